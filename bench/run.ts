import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcrypt";
import {
  createBenchDatabase,
  createPeerDatabase,
  deleteBenchRedisKeys,
  dropBenchDatabase,
  PASSWORD,
  REDIS_URL,
  seed,
} from "./database";
import { parseOptions, type BenchOptions } from "./options";
import { killChildren, startGateway, startScriptNodeFlags } from "./processes";
import { formatProfile, summarizeProfile, type ProfileSummary } from "./profile";
import { errorDetails, num, resultsTable, targetsTable, type ScenarioResult, type Target } from "./report";
import { scenarios, type BenchContext } from "./scenarios";
import { median } from "./stats";

/**
 * `npm run bench`: builds nothing itself (the npm script builds first), then creates and migrates
 * a bench database, seeds it, measures the bcrypt ceiling, starts the production gateway as its
 * own process, runs each scenario's load from other processes, and prints and saves the results.
 */

const ROOT = path.resolve(__dirname, "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Times of one bcrypt.compare at the configured cost, one at a time, with nothing else of ours running. */
async function timeCompares(hash: string, samples: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    if (!(await bcrypt.compare(PASSWORD, hash))) throw new Error("bcrypt.compare failed");
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * The machine's login ceiling: cores × 1 / (time of one compare). The time is the fastest of the
 * samples taken before and after the scenarios: what the machine does at best, which other load
 * on a shared machine can only make slower.
 */
function ceilingOf(samplesMs: number[]) {
  const compareMs = Math.min(...samplesMs);
  const cores = os.availableParallelism();
  return {
    compareMs,
    medianMs: median(samplesMs),
    samplesMs,
    cores,
    loginsPerSecond: (cores * 1000) / compareMs,
  };
}

function gatewayEnv(options: BenchOptions, databaseUrl: string, prefix: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    // Exactly this environment: no developer's .env.
    ENV_FILE: "none",
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET_KEY: randomBytes(48).toString("base64url"),
    ONE_TIME_LINK_SECRET: randomBytes(48).toString("base64url"),
    BCRYPT_ROUNDS: String(options.bcryptRounds),
    // Every request of a flood comes from its own address, so per-IP limits never bind.
    TRUST_PROXY: "true",
    // Per-session and per-account limits (refresh 60/h per session…) would bind all the same:
    // the benchmark measures the work, so the limits are off (RATE_LIMIT_ENABLED=false).
    RATE_LIMIT_ENABLED: "false",
    // session-events opens every subscription as one user (N tabs of one browser).
    GRAPHQL_WS_MAX_CONNECTIONS_PER_USER: String(options.subscribers + 10),
    ...(options.bcryptConcurrency && { BCRYPT_CONCURRENCY: String(options.bcryptConcurrency) }),
    ...(options.uvThreadpoolSize && { UV_THREADPOOL_SIZE: String(options.uvThreadpoolSize) }),
    ...(options.nodeOptions && { NODE_OPTIONS: options.nodeOptions }),
    ...options.env,
  };
}

/**
 * The targets of the performance issue, each met / not met / not measured (docs/performance.md).
 * Ratios are of rows of this one run: CPU per request of two servers under the same load is what
 * other load on a shared machine disturbs least.
 */
function targets(
  results: ScenarioResult[],
  ceiling: number,
  compareMs: number,
  options: BenchOptions,
): Target[] {
  const find = (name: string) =>
    results.find((r) => (r.name === name || r.name.startsWith(`${name} (`)) && r.status === "ok");
  const out: Target[] = [];
  const missing = (name: string, target: string, why: string) =>
    out.push({ name, value: NaN, unit: "", target, met: undefined, note: why });
  const cpuAtMost = (label: string, row: ScenarioResult | undefined, limitMs: number, target: string) => {
    if (row?.serverCpuMsPerRequest === undefined) return missing(label, target, "scenario not run");
    out.push({
      name: label,
      value: row.serverCpuMsPerRequest,
      unit: "ms",
      target,
      met: row.serverCpuMsPerRequest <= limitMs,
    });
  };

  const me = find("me");
  const baseline = find("baseline");
  if (me?.serverCpuMsPerRequest && baseline?.serverCpuMsPerRequest) {
    const ratio = me.serverCpuMsPerRequest / baseline.serverCpuMsPerRequest;
    out.push({
      name: `me CPU per request / bare Apollo Server's (${me.serverCpuMsPerRequest.toFixed(3)} / ${baseline.serverCpuMsPerRequest.toFixed(3)} ms)`,
      value: ratio,
      unit: "x",
      target: "≤ 1.5× (efficiency ≥ 67%)",
      met: ratio <= 1.5,
    });
  } else missing("me CPU per request / bare Apollo Server's", "≤ 1.5×", "me or baseline not run");
  if (me?.rps && baseline?.rps) {
    out.push({
      name: "me throughput / bare Apollo Server's (for reference)",
      value: (me.rps / baseline.rps) * 100,
      unit: "%",
      target: "(depends on the machine's other load)",
      met: undefined,
    });
  }
  const peer = find("better-auth session check");
  if (me?.rps && peer?.rps) {
    const ratio = me.rps / peer.rps;
    out.push({
      name: `me throughput / better-auth session check (${me.rps.toFixed(0)} / ${peer.rps.toFixed(0)} per s; CPU ${me.serverCpuMsPerRequest?.toFixed(3)} vs ${peer.serverCpuMsPerRequest?.toFixed(3)} ms)`,
      value: ratio,
      unit: "x",
      target: "≥ 10×",
      met: ratio >= 10,
    });
  } else missing("me throughput / better-auth session check", "≥ 10×", "me or better-auth not run");
  if (me?.latency) {
    out.push({
      name: `me p99 at ${me.connections} connections`,
      value: me.latency.p99,
      unit: "ms",
      target: "≤ 15 ms at 50 connections",
      met: me.connections === 50 ? me.latency.p99 <= 15 : undefined,
      note: me.connections === 50 ? undefined : "not at 50 connections",
    });
  } else missing("me p99 at 50 connections", "≤ 15 ms", "me not run");

  const refresh = find("refreshToken");
  cpuAtMost("refreshToken CPU per request (≥ 3,000/s on one core)", refresh, 0.33, "≤ 0.33 ms");
  cpuAtMost("updateProfile CPU per request", find("updateProfile"), 1, "≤ 1 ms");
  cpuAtMost("admin users page of 20, CPU per request", find("users"), 1, "≤ 1 ms");

  const gatewayRows = results.filter(
    (r) =>
      r.status === "ok" &&
      !r.name.startsWith("baseline") &&
      !r.name.startsWith("better-auth") &&
      r.peakRssMiB,
  );
  if (gatewayRows.length) {
    const peak = Math.max(...gatewayRows.map((r) => r.peakRssMiB!));
    out.push({
      name: "gateway peak RSS over the scenarios (default flags)",
      value: peak,
      unit: "MiB",
      target: "≤ 256 MiB",
      met: peak <= 256,
    });
  }
  const soaked = find("soak") as
    | (ScenarioResult & { soak?: { rssSlopeMiBPerMinute: number; eventLoopDelayP99Ms: { max: number } } })
    | undefined;
  if (soaked?.soak) {
    out.push({
      name: `soak errors (${options.soakMinutes} min)`,
      value: soaked.errors ?? 0,
      unit: "",
      target: "0",
      met: (soaked.errors ?? 0) === 0,
    });
    out.push({
      name: "soak RSS slope",
      value: soaked.soak.rssSlopeMiBPerMinute,
      unit: "MiB/min",
      target: "≤ 1 MiB/min",
      met: soaked.soak.rssSlopeMiBPerMinute <= 1,
    });
    out.push({
      name: "soak event-loop delay p99 (worst 10 s window)",
      value: soaked.soak.eventLoopDelayP99Ms.max,
      unit: "ms",
      target: "(reported)",
      met: undefined,
    });
  } else missing("soak: errors, RSS slope", "0 errors, ≤ 1 MiB/min", "run with --soak");

  const login = find("login");
  if (login?.rps) {
    const ratio = login.rps / ceiling;
    out.push({
      name: "login throughput / bcrypt ceiling",
      value: ratio * 100,
      unit: "%",
      target: "≥ 90%",
      met: ratio >= 0.9 && login.errors === 0,
      note:
        login.serverCores === undefined
          ? undefined
          : `the gateway got ${login.serverCores.toFixed(2)} of ${os.availableParallelism()} cores`,
    });
    if (login.serverCpuMsPerRequest) {
      // The same by CPU: how much of a login's CPU is the bcrypt work itself.
      out.push({
        name: `login CPU spent in bcrypt (${compareMs.toFixed(0)} of ${login.serverCpuMsPerRequest.toFixed(0)} ms per login)`,
        value: (compareMs / login.serverCpuMsPerRequest) * 100,
        unit: "%",
        target: "≥ 90% (same aim, by CPU)",
        met: compareMs / login.serverCpuMsPerRequest >= 0.9,
      });
    }
  } else missing("login throughput / bcrypt ceiling", "≥ 90%", "login not run");
  const register = find("register");
  if (register?.rps) {
    out.push({
      name: "register throughput / bcrypt ceiling",
      value: (register.rps / ceiling) * 100,
      unit: "%",
      target: "(for reference)",
      met: undefined,
    });
  }
  const alone = find("me @ fixed rate");
  const flooded = find("me @ fixed rate, login flood");
  if (alone?.latency && flooded?.latency) {
    const ratio = flooded.latency.p95 / alone.latency.p95;
    out.push({
      name: `me p95 under login flood / without (${alone.latency.p95.toFixed(1)} → ${flooded.latency.p95.toFixed(1)} ms at ${options.probeRate}/s)`,
      value: ratio,
      unit: "x",
      target: "≤ 2×",
      met: ratio <= 2,
    });
  } else missing("me p95 under login flood / without", "≤ 2×", "me-latency not run");
  return out;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    return undefined;
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, "dist", "main.js")))
    throw new Error("no dist/main.js: run `npm run build` (npm run bench does)");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
  const databaseName = `aegis_bench_${runId}`;
  const prefix = `${databaseName}:`;
  const outDir = path.resolve(ROOT, options.outDir);
  const runDir = path.join(outDir, `${stamp}${options.label ? `-${options.label}` : ""}`);
  mkdirSync(runDir, { recursive: true });
  const loadBefore = os.loadavg();
  const log = (message: string) => console.log(`[bench] ${message}`);

  let databaseCreated = false;
  let peerDatabaseCreated = false;
  const cleanup = async () => {
    killChildren();
    if (options.keep) return log(`kept database ${databaseName} and Redis keys ${prefix}*`);
    await deleteBenchRedisKeys(prefix).catch((e: Error) => log(`could not delete Redis keys: ${e.message}`));
    if (databaseCreated)
      await dropBenchDatabase(databaseName).catch((e: Error) =>
        log(`could not drop ${databaseName}: ${e.message}`),
      );
    if (peerDatabaseCreated)
      await dropBenchDatabase(`${databaseName}_peer`).catch((e: Error) =>
        log(`could not drop ${databaseName}_peer: ${e.message}`),
      );
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

  try {
    log(`bcrypt.compare at cost ${options.bcryptRounds}, alone…`);
    const loginHash = await bcrypt.hash(PASSWORD, options.bcryptRounds);
    const samples = options.quick ? 5 : 10;
    const comparesBefore = await timeCompares(loginHash, samples);
    log(`${ceilingOf(comparesBefore).compareMs.toFixed(1)} ms per compare at best`);

    log(`database ${databaseName}: create, migrate, seed…`);
    const databaseUrl = await createBenchDatabase(databaseName);
    databaseCreated = true;
    const peerDatabaseUrl = await createPeerDatabase(`${databaseName}_peer`);
    peerDatabaseCreated = true;
    const seeded = await seed(databaseUrl, loginHash, {
      login: 200,
      token: Math.max(options.connections, 50),
      total: 1000,
    });

    const env = gatewayEnv(options, databaseUrl, prefix);
    const cpuProfDir = options.cpuProf ? path.join(runDir, "profiles") : undefined;
    const nodeFlags = options.nodeFlags ?? startScriptNodeFlags();
    const gateway = await startGateway({
      env,
      port: await freePort(),
      logFile: path.join(runDir, "gateway.log"),
      cpuProfDir,
      nodeFlags,
    });
    log(`gateway pid ${gateway.pid} at ${gateway.url}`);
    const results: ScenarioResult[] = [];
    const ctx: BenchContext = { options, gateway, seeded, runId, peerDatabaseUrl, results };
    for (const name of options.scenarios) {
      log(`${name}…`);
      try {
        const rows = await scenarios[name](ctx);
        results.push(...rows);
        for (const r of rows) {
          log(
            `  ${r.name}: ${r.status === "ok" ? `${num(r.rps, 0)}/s p50 ${num(r.latency?.p50)} p95 ${num(r.latency?.p95)} p99 ${num(r.latency?.p99)} ms, ${r.errors} errors` : `${r.status}: ${r.note}`}`,
          );
        }
      } catch (error) {
        results.push({ name, status: "failed", note: (error as Error).message });
        log(`  failed: ${(error as Error).stack}`);
      }
    }
    await gateway.stop();
    const ceiling = ceilingOf([...comparesBefore, ...(await timeCompares(loginHash, samples))]);

    let profile: ProfileSummary | undefined;
    if (cpuProfDir && existsSync(cpuProfDir)) {
      const file = readdirSync(cpuProfDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) profile = summarizeProfile(path.join(cpuProfDir, file));
    }

    const goals = targets(results, ceiling.loginsPerSecond, ceiling.compareMs, options);
    const machine = {
      cpu: os.cpus()[0]?.model,
      cores: os.availableParallelism(),
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: os.loadavg().map((x) => Number(x.toFixed(2))),
    };
    const report = {
      startedAt: stamp,
      commit: gitCommit(),
      machine,
      options,
      gateway: {
        BCRYPT_ROUNDS: env.BCRYPT_ROUNDS,
        BCRYPT_CONCURRENCY: env.BCRYPT_CONCURRENCY ?? "(default)",
        UV_THREADPOOL_SIZE: env.UV_THREADPOOL_SIZE ?? "(default)",
        BCRYPT_NICE: env.BCRYPT_NICE ?? "(default)",
        NODE_OPTIONS: env.NODE_OPTIONS ?? "",
        nodeFlags: nodeFlags.join(" "),
        extra: options.env,
      },
      bcrypt: {
        compareMs: ceiling.compareMs,
        medianMs: ceiling.medianMs,
        samplesMs: ceiling.samplesMs,
        cores: ceiling.cores,
        ceilingLoginsPerSecond: ceiling.loginsPerSecond,
      },
      results,
      targets: goals,
      profile,
    };

    const text = [
      "",
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; load average ${machine.loadAverageBefore.join(" ")} before, ${machine.loadAverageAfter.join(" ")} after`,
      `Run: ${options.duration} s per scenario after ${options.warmup} s warm-up; BCRYPT_ROUNDS ${env.BCRYPT_ROUNDS}, BCRYPT_CONCURRENCY ${report.gateway.BCRYPT_CONCURRENCY}, BCRYPT_NICE ${report.gateway.BCRYPT_NICE}, UV_THREADPOOL_SIZE ${report.gateway.UV_THREADPOOL_SIZE}${env.NODE_OPTIONS ? `, NODE_OPTIONS ${env.NODE_OPTIONS}` : ""}; gateway node flags: ${nodeFlags.join(" ") || "(none)"}; commit ${report.commit ?? "?"}`,
      `bcrypt ceiling: ${ceiling.cores} cores × 1000 / ${ceiling.compareMs.toFixed(1)} ms (fastest of ${ceiling.samplesMs.length} compares before and after; median ${ceiling.medianMs.toFixed(1)} ms) = ${ceiling.loginsPerSecond.toFixed(1)} logins/s`,
      "",
      resultsTable(results),
      "",
      targetsTable(goals),
      "",
      errorDetails(results),
      profile ? `\nCPU profile of the gateway (${cpuProfDir}):\n${formatProfile(profile)}` : "",
    ].join("\n");
    console.log(text);

    const name = `${stamp}${options.label ? `-${options.label}` : ""}`;
    writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(report, null, 2));
    writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(report, null, 2));
    writeFileSync(path.join(runDir, "report.md"), text);
    log(
      `results: ${path.relative(ROOT, path.join(outDir, `${name}.json`))} (and latest.json); logs in ${path.relative(ROOT, runDir)}`,
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.stack ?? error);
    process.exit(1);
  },
);
