import { fork, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LoadResult, LoadSpec } from "./load";

/** The separate processes of a run: the gateway, the baseline server, load and subscriber workers. */

const ROOT = path.resolve(__dirname, "..");
const TS = ["-r", "ts-node/register/transpile-only"];

/** Every child this run started, so a failed or interrupted run can end them (by pid). */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  }
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function forkTs(file: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return track(
    fork(path.join(__dirname, file), args, {
      execArgv: TS,
      env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
}

function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} exited with code ${code}`));
    child.once("exit", onExit);
    child.once("message", (message) => {
      child.off("exit", onExit);
      resolve(message as T);
    });
  });
}

async function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface RunningServer {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * The Node flags `npm start` runs the gateway with (package.json's `start`: `node <flags>
 * dist/main.js`), so the bench measures the gateway as it runs by default.
 */
export function startScriptNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const words = scripts.start!.trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== "dist/main.js")
    throw new Error(`unexpected start script: ${scripts.start}`);
  return words.slice(1, -1);
}

/**
 * The production build as `npm start` runs it (its Node flags, unless `nodeFlags` replaces them),
 * logging to `logFile`; resolves once it is ready.
 */
export async function startGateway(options: {
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  cpuProfDir?: string;
  nodeFlags?: string[];
}): Promise<RunningServer> {
  const nodeArgs = [
    ...(options.nodeFlags ?? startScriptNodeFlags()),
    ...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []),
  ];
  const child = track(
    spawn(process.execPath, [...nodeArgs, path.join(ROOT, "dist", "main.js")], {
      cwd: ROOT,
      env: { ...options.env, PORT: String(options.port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const log = createWriteStream(options.logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the gateway exited with code ${child.exitCode}; see ${options.logFile}`);
    const ready = await fetch(`${url}/health/readiness`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline)
      throw new Error(`the gateway did not get ready in 60 s; see ${options.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { pid: child.pid!, url: `${url}/graphql`, stop: () => stopChild(child) };
}

/** The bare Apollo Server of baseline.server.ts. */
export async function startBaseline(): Promise<RunningServer> {
  const child = forkTs("baseline.server.ts", [], { ...process.env, NODE_ENV: "production" });
  const { url } = await nextMessage<{ url: string }>(child, "the baseline server");
  return { pid: child.pid!, url, stop: () => stopChild(child) };
}

/**
 * better-auth's peer server (better-auth.server.ts) on the database at `databaseUrl`, with
 * `users` signed-in accounts whose bearer tokens it returns.
 */
export async function startBetterAuth(
  databaseUrl: string,
  users: number,
): Promise<RunningServer & { tokens: string[] }> {
  const child = forkTs("better-auth.server.ts", [databaseUrl, String(users)], {
    ...process.env,
    NODE_ENV: "production",
  });
  const { url, tokens } = await nextMessage<{ url: string; tokens: string[] }>(
    child,
    "the better-auth server",
  );
  return { pid: child.pid!, url, tokens, stop: () => stopChild(child) };
}

/**
 * Runs one load in its own process (load.worker.ts). `cpuOf` names a server process whose CPU
 * time over the measured window is returned as `serverCpuMs`.
 */
export async function runLoadProcess(
  spec: LoadSpec,
  cpuOf?: number,
): Promise<LoadResult & { serverCpuMs?: number }> {
  const child = forkTs("load.worker.ts");
  await nextMessage(child, "a load worker");
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  const answer = await new Promise<{ result?: LoadResult; error?: string }>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a load worker exited with code ${code}`));
    child.once("exit", onExit);
    child.on("message", (message: { window?: "start" | "end"; result?: LoadResult; error?: string }) => {
      if (message.window === "start" && cpuOf) cpuAtStart = cpuTimeMs(cpuOf);
      else if (message.window === "end" && cpuOf) cpuAtEnd = cpuTimeMs(cpuOf);
      else if (!message.window) {
        child.off("exit", onExit);
        resolve(message);
      }
    });
    child.send(spec);
  });
  if (answer.error) throw new Error(`load ${spec.kind} failed: ${answer.error}`);
  const serverCpuMs = cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined;
  return { ...answer.result!, serverCpuMs };
}

/** CPU time (user + system, all threads) a process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux we know of (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

export interface SubscriberSpec {
  url: string;
  token: string;
  subscribers: number;
  document: string;
}

export interface SubscriberResult {
  connected: number;
  delivered: number;
  /** Seconds from the first delivery to the last. */
  spanSeconds: number;
  /** Event time (occurredAt) to receipt, milliseconds. */
  latency: import("./stats").LatencySummary;
  errorCount: number;
  errors: string[];
}

/** Opens the subscriptions (subscribers.worker.ts); `collect` ends them and returns the counts. */
export async function startSubscribers(spec: SubscriberSpec) {
  const child = forkTs("subscribers.worker.ts");
  await nextMessage(child, "the subscriber worker");
  child.send(spec);
  const ready = await nextMessage<{ connected?: number; error?: string }>(child, "the subscriber worker");
  if (ready.error) {
    await stopChild(child);
    throw new Error(ready.error);
  }
  return {
    connected: ready.connected!,
    async collect(): Promise<SubscriberResult> {
      child.send({ stop: true });
      const { result } = await nextMessage<{ result: SubscriberResult }>(child, "the subscriber worker");
      await stopChild(child);
      return result;
    },
  };
}

/**
 * Peak resident memory of a process over a stretch of the run: the kernel's high-water mark
 * (VmHWM), reset at the start through /proc/<pid>/clear_refs, with sampling of VmRSS as a
 * fallback where the reset is not allowed.
 */
export function watchMemory(pid: number) {
  const status = () => readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string, text: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  let resettable = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    resettable = false;
  }
  let sampled = kib("VmRSS", status());
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, kib("VmRSS", status()));
    } catch {
      // the process has gone
    }
  }, 100);
  return {
    /** MiB. */
    stop(): number {
      clearInterval(timer);
      let peak = sampled;
      try {
        const text = status();
        peak = Math.max(peak, kib("VmRSS", text));
        if (resettable) peak = Math.max(peak, kib("VmHWM", text));
      } catch {
        // the process has gone: keep what was sampled
      }
      return peak / 1024;
    },
  };
}
