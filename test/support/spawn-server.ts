import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { GraphQLClient } from "./graphql-client";
import { testEnv } from "./test-server";

const ROOT = path.join(__dirname, "..", "..");

export interface SpawnedServer {
  process: ChildProcess;
  url: string;
  client: GraphQLClient;
  /** Every JSON line the process wrote to stdout so far, parsed. */
  lines(): Array<Record<string, any>>;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Resolves with the first line `match` accepts (waiting for it, up to `timeoutMs`). */
  waitForLine(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if it is still running (for afterAll). */
  kill(): void;
}

/**
 * Starts the gateway as production runs it, in its own process (`src/main.ts` through SWC, as
 * `npm run dev` does): for what an in-process server cannot show, such as signals, exit codes
 * and an OpenTelemetry SDK loaded before everything else.
 */
export async function spawnServer(overrides: Record<string, string> = {}): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...testEnv({ LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", ...overrides }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let all = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    all += chunk.toString();
    notify();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    all += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      notify();
      resolve({ code, signal });
    }),
  );

  const lines = () =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, any>);

  const waitForLine = (match: (line: Record<string, any>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const check = () => {
        const found = lines().find(match);
        if (found) return done(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) {
          done(() => reject(new Error(`server exited before the line came:\n${all}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no such line within ${timeoutMs} ms:\n${all}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const listening = await waitForLine((line) => typeof line.port === "number", 60_000);
  const url = `http://127.0.0.1:${listening.port}`;
  return {
    process: child,
    url,
    client: new GraphQLClient(`${url}/graphql`),
    lines,
    output: () => all,
    waitForLine,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
