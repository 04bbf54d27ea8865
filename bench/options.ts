import os from "node:os";
import { parseArgs } from "node:util";

export const SCENARIOS = [
  "baseline",
  "better-auth",
  "me",
  "me-latency",
  "login",
  "refreshToken",
  "updateProfile",
  "register",
  "users",
  "session-events",
  "soak",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Seconds of measured load per scenario. */
  duration: number;
  /** Seconds of load before each measurement, not counted (JIT, pools, caches). */
  warmup: number;
  /** Connections for the request scenarios (me, baseline, refreshToken, updateProfile, users). */
  connections: number;
  /** Connections for the hashing scenarios (login, register, the login flood). */
  hashConnections: number;
  /** Requests per second of the fixed-rate `me` latency probe. */
  probeRate: number;
  /** Open subscriptions in the session-events fan-out. */
  subscribers: number;
  scenarios: ScenarioName[];
  bcryptRounds: number;
  bcryptConcurrency?: number;
  uvThreadpoolSize?: number;
  /** Start the gateway under `node --cpu-prof` and summarise the profile. */
  cpuProf: boolean;
  /** Keep the bench database and Redis keys afterwards. */
  keep: boolean;
  quick: boolean;
  label?: string;
  outDir: string;
  /** Extra environment for the gateway (`--env KEY=VALUE`, repeatable). */
  env: Record<string, string>;
  /** NODE_OPTIONS of the gateway, e.g. a heap budget (`--max-old-space-size=192`). */
  nodeOptions?: string;
  /** Node flags instead of those of package.json's `start` script (memory sweeps). */
  nodeFlags?: string[];
  /** Minutes of the soak (mixed traffic at about half of peak). */
  soakMinutes: number;
  /** Requests/s of the soak instead of half of the peak estimated from this run's scenarios. */
  soakRate?: number;
}

export const HELP = `npm run bench -- [options]

  --quick                   a short smoke run (3 s per scenario, 10 connections)
  --duration <s>            measured seconds per scenario (default 20; quick 3)
  --warmup <s>              unmeasured seconds before each (default 3; quick 1)
  --connections <n>         connections for me, baseline, refreshToken, updateProfile, users (default 50; quick 10)
  --hash-connections <n>    connections for login, register and the login flood (default 4 x cores)
  --probe-rate <n>          requests/s of the fixed-rate me latency probe (default 200; quick 100)
  --subscribers <n>         open subscriptions in session-events (default 200; quick 20)
  --scenarios <a,b,...>     any of: ${SCENARIOS.join(", ")} (default all but soak)
  --soak                    add the soak: 80% me, 10% refreshToken, 5% updateProfile, 5% login at
                            about half of peak; errors, RSS slope, event-loop delay p99
  --soak-minutes <n>        length of the soak (default 10)
  --soak-rate <n>           requests/s of the soak (default: half the peak this run measured)
  --bcrypt-rounds <n>       BCRYPT_ROUNDS of the gateway (default 12)
  --bcrypt-concurrency <n>  BCRYPT_CONCURRENCY of the gateway (default: the gateway's own)
  --uv-threadpool-size <n>  UV_THREADPOOL_SIZE of the gateway (default: the gateway's own)
  --env KEY=VALUE           more gateway environment (repeatable)
  --node-options "<flags>"  NODE_OPTIONS of the gateway, e.g. --max-old-space-size=192
  --node-flags="<flags>"    Node flags of the gateway instead of those of \`npm start\` ("" for none)
  --cpu-prof                profile the gateway (node --cpu-prof) and print its hottest functions
  --label <name>            added to the result file name
  --out <dir>               where results go (default bench/results)
  --keep                    keep the bench database and Redis keys
`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      "hash-connections": { type: "string" },
      "probe-rate": { type: "string" },
      subscribers: { type: "string" },
      scenarios: { type: "string" },
      "bcrypt-rounds": { type: "string" },
      "bcrypt-concurrency": { type: "string" },
      "uv-threadpool-size": { type: "string" },
      env: { type: "string", multiple: true },
      "node-options": { type: "string" },
      "node-flags": { type: "string" },
      soak: { type: "boolean", default: false },
      "soak-minutes": { type: "string" },
      "soak-rate": { type: "string" },
      "cpu-prof": { type: "boolean", default: false },
      label: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const number = (name: string, raw: string | undefined, fallback?: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name}: expected a positive number, got ${raw}`);
    return value;
  };
  const scenarios = (values.scenarios
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean) ?? SCENARIOS.filter((s) => s !== "soak")) as ScenarioName[];
  if (values.soak && !scenarios.includes("soak")) scenarios.push("soak");
  for (const name of scenarios) {
    if (!SCENARIOS.includes(name)) throw new Error(`--scenarios: unknown scenario ${name}`);
  }
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const at = pair.indexOf("=");
    if (at < 1) throw new Error(`--env: expected KEY=VALUE, got ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    quick,
    duration: number("duration", values.duration, quick ? 3 : 20)!,
    warmup: number("warmup", values.warmup, quick ? 1 : 3)!,
    connections: number("connections", values.connections, quick ? 10 : 50)!,
    hashConnections: number("hash-connections", values["hash-connections"], 4 * os.availableParallelism())!,
    probeRate: number("probe-rate", values["probe-rate"], quick ? 100 : 200)!,
    subscribers: number("subscribers", values.subscribers, quick ? 20 : 200)!,
    scenarios: SCENARIOS.filter((s) => scenarios.includes(s)),
    bcryptRounds: number("bcrypt-rounds", values["bcrypt-rounds"], 12)!,
    bcryptConcurrency: number("bcrypt-concurrency", values["bcrypt-concurrency"]),
    uvThreadpoolSize: number("uv-threadpool-size", values["uv-threadpool-size"]),
    cpuProf: values["cpu-prof"] ?? false,
    keep: values.keep ?? false,
    label: values.label,
    outDir: values.out ?? "bench/results",
    env,
    nodeOptions: values["node-options"],
    nodeFlags: values["node-flags"]?.split(/\s+/).filter(Boolean),
    soakMinutes: number("soak-minutes", values["soak-minutes"], 10)!,
    soakRate: number("soak-rate", values["soak-rate"]),
  };
}
