import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { GraphQLClient } from "./graphql-client";
import { testEnv } from "./test-server";

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

/** The process of `src/main.ts` (through ts-node), with what it wrote so far. */
interface MainProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they came. */
  output(): string;
  /** Calls `listener` on every chunk of stdout and once on exit. */
  onOutput(listener: () => void): () => void;
}

function spawnMain(env: Record<string, string | undefined>): MainProcess {
  const child = spawn(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(root, "src", "main.ts")],
    {
      cwd: root,
      // No .env of the developer's; JSON log lines, which readyPort reads (development's default
      // is pretty).
      env: { PATH: process.env.PATH, ENV_FILE: "none", LOG_FORMAT: "json", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  let all = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    all += chunk.toString();
    notify();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
    all += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      notify();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    output: () => all,
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
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
  void run.exited.then(({ code }) => {
    exitCode = code;
  });
  for (;;) {
    port = readyPort(run.stdout());
    if (port !== undefined) break;
    if (exitCode !== undefined || Date.now() > deadline) {
      run.child.kill("SIGKILL");
      throw new Error(`gateway did not start (exit ${exitCode}):\n${run.stdout()}\n${run.stderr()}`);
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
        return (await run.exited).code;
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
    const { code } = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

export interface SpawnedServer {
  process: ChildProcess;
  url: string;
  client: GraphQLClient;
  /** Every JSON line the process wrote to stdout so far, parsed. */
  lines(): Array<Record<string, any>>;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves with the first line `match` accepts (waiting for it, up to `timeoutMs`). */
  waitForLine(
    match: (line: Record<string, any>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, any>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if it is still running (for afterAll). */
  kill(): void;
}

/**
 * The gateway in its own process with the test environment (testEnv) and info logs: for what an
 * in-process server cannot show, such as signals, exit codes, the log lines of a shutdown and an
 * OpenTelemetry SDK loaded before everything else.
 */
export async function spawnServer(overrides: Record<string, string> = {}): Promise<SpawnedServer> {
  const run = spawnMain(testEnv({ LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", ...overrides }));
  const child = run.child;

  const lines = () =>
    run
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, any>);

  const waitForLine = (match: (line: Record<string, any>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const check = () => {
        const found = lines().find(match);
        if (found) return done(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          done(() => reject(new Error(`server exited before the line came:\n${run.output()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no such line within ${timeoutMs} ms:\n${run.output()}`))),
        timeoutMs,
      );
      const stopListening = run.onOutput(check);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        stopListening();
        settle();
      };
      check();
    });

  const listening = await waitForLine((line) => typeof line.port === "number", 60_000);
  const url = `http://127.0.0.1:${listening.port}`;
  return {
    process: child,
    url,
    client: new GraphQLClient(`${url}/graphql`),
    lines,
    output: run.output,
    waitForLine,
    exited: run.exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
