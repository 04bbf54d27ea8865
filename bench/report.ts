import type { LatencySummary } from "./stats";

export interface ScenarioResult {
  name: string;
  status: "ok" | "skipped" | "failed";
  /** Why it was skipped or failed, or what the figures mean. */
  note?: string;
  connections?: number;
  /** Offered requests/s of a fixed-rate run. */
  rate?: number;
  /** Successful requests (or delivered events) per second. */
  rps?: number;
  latency?: LatencySummary;
  errors?: number;
  errorSamples?: string[];
  /** Peak resident memory of the server under load (the gateway; the baseline's for baseline). */
  peakRssMiB?: number;
  /**
   * CPU the server spent per request over the measured window (all its threads). Unlike req/s it
   * hardly depends on what else the machine is doing, so it is the figure to compare across runs.
   */
  serverCpuMsPerRequest?: number;
  /** Cores' worth of CPU the server used over the window (1.0 = one core busy all the time). */
  serverCores?: number;
}

export interface Target {
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean | undefined;
  note?: string;
}

/** A figure for the table; NaN (no samples) arrives as null after crossing JSON. */
export const num = (value: number | null | undefined, digits = 1) =>
  value === undefined || value === null || Number.isNaN(value) ? "–" : value.toFixed(digits);

export function resultsTable(results: ScenarioResult[]): string {
  const header =
    "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req | server cores | peak RSS MiB | note |";
  const rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";
  const rows = results.map((r) => {
    if (r.status !== "ok") return `| ${r.name} | | | | | | | | | | ${r.status}: ${r.note ?? ""} |`;
    const conns = r.rate ? `${r.connections} @${r.rate}/s` : String(r.connections ?? "");
    return `| ${r.name} | ${conns} | ${num(r.rps, 0)} | ${num(r.latency?.p50)} | ${num(r.latency?.p95)} | ${num(r.latency?.p99)} | ${r.errors ?? 0} | ${num(r.serverCpuMsPerRequest, 2)} | ${num(r.serverCores, 2)} | ${num(r.peakRssMiB, 0)} | ${r.note ?? ""} |`;
  });
  return [header, rule, ...rows].join("\n");
}

export function targetsTable(targets: Target[]): string {
  const header = "| target | measured | aim | met? |";
  const rule = "|---|---:|---|:-:|";
  const rows = targets.map(
    (t) =>
      `| ${t.name} | ${num(t.value, t.unit === "x" ? 2 : 1)}${t.unit === "x" ? "×" : ` ${t.unit}`} | ${t.target} | ${t.met === undefined ? (Number.isNaN(t.value) ? "not measured" : "–") : t.met ? "met" : "**not met**"}${t.note ? ` (${t.note})` : ""} |`,
  );
  return [header, rule, ...rows].join("\n");
}

export function errorDetails(results: ScenarioResult[]): string {
  return results
    .filter((r) => r.errorSamples?.length)
    .map((r) => `${r.name}:\n${r.errorSamples!.map((s) => `  ${s}`).join("\n")}`)
    .join("\n");
}
