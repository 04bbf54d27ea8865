import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { GraphQLClient } from "./graphql-client";

const root = path.join(__dirname, "..", "..");

/**
 * The real entry point (src/main.ts) as its own process, the way `npm start` runs it, with exactly
 * the environment given (plus PATH): nothing of the test runner's environment leaks in.
 */
export interface GatewayProcess {
  url: string;
  graphqlUrl: string;
  client: GraphQLClient;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches (the banner follows the ready log line). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnMain(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")], {
    cwd: root,
    // No .env of the developer's; JSON log lines, which readyPort reads (development's default
    // is pretty).
    env: { PATH: process.env.PATH, ENV_FILE: "none", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** The port from the "identity gateway ready" log line. */
function readyPort(stdout: string): number | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === "identity gateway ready") return entry.port;
    } catch {
      // a partial line: read it again with the next chunk
    }
  }
  return undefined;
}

/** Starts the gateway and resolves once it is ready (PORT 0: it picks a free port). */
export async function startGatewayProcess(
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
): Promise<GatewayProcess> {
  const run = spawnMain({ PORT: "0", HOST: "127.0.0.1", ...env });
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  let exitCode: number | null | undefined;
  void run.exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    port = readyPort(run.stdout());
    if (port !== undefined) break;
    if (exitCode !== undefined || Date.now() > deadline) {
      run.child.kill("SIGKILL");
      throw new Error(
        `gateway did not start (exit ${exitCode}):\n${run.stdout()}\n${run.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    client: new GraphQLClient(`${url}/graphql`),
    child: run.child,
    stdout: run.stdout,
    stderr: run.stderr,
    async waitForStdout(pattern, waitMs = 10_000) {
      const until = Date.now() + waitMs;
      while (!pattern.test(run.stdout())) {
        if (Date.now() > until) throw new Error(`stdout never matched ${pattern}:\n${run.stdout()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return run.stdout();
    },
    async stop() {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGTERM");
      const timer = setTimeout(() => run.child.kill("SIGKILL"), 20_000);
      try {
        return await run.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs the gateway expecting it to stop by itself (refused configuration, busy data folder). */
export async function runGatewayUntilExit(
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<ExitedProcess> {
  const run = spawnMain({ PORT: "0", HOST: "127.0.0.1", ...env });
  const timer = setTimeout(() => run.child.kill("SIGKILL"), timeoutMs);
  try {
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
