import { readFileSync } from "node:fs";
import { runLoadProcess } from "./processes";
import type { ScenarioResult } from "./report";
import { row, spec, type BenchContext } from "./scenarios";

/**
 * The soak: the mix of a working day (80% `me`, 10% refreshToken, 5% updateProfile, 5% login) at
 * about half of peak for `--soak-minutes` (10 by default), open loop. It watches what a short
 * scenario cannot show: errors over time, whether resident memory grows (the slope of RSS over
 * time after the first minute, when pools, caches and the JIT have settled), and event-loop delay
 * (the gateway's own `nodejs_eventloop_lag_p99_seconds`, read every 10 s; each read resets it).
 */

/** Share of each kind in the mix, as load.ts's mixedFactory sends it. */
const MIX = { me: 0.8, refreshToken: 0.1, updateProfile: 0.05, login: 0.05 } as const;

/**
 * Half the peak of the mix, from this run's throughput of each kind alone: one request of the mix
 * costs the weighted sum of the time each kind takes at its peak (1 / rps).
 */
export function halfOfPeak(results: ScenarioResult[]): number | undefined {
  let secondsPerRequest = 0;
  for (const [kind, share] of Object.entries(MIX)) {
    const rps = results.find((r) => r.name === kind && r.status === "ok")?.rps;
    if (!rps) return undefined;
    secondsPerRequest += share / rps;
  }
  return Math.max(1, Math.round(0.5 / secondsPerRequest));
}

/** Least-squares slope of (minutes, MiB) points, MiB per minute. */
export function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

function rssMiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN) / 1024;
}

async function eventLoopP99Ms(metricsUrl: string): Promise<number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  const seconds = Number(/^nodejs_eventloop_lag_p99_seconds\s+(\S+)/m.exec(text)?.[1] ?? NaN);
  return seconds * 1000;
}

export interface SoakFigures {
  minutes: number;
  rate: number;
  requests: number;
  errors: number;
  /** MiB per minute, from the end of the settling time on. */
  rssSlopeMiBPerMinute: number;
  settleSeconds: number;
  rssMiB: { first: number; last: number; min: number; max: number };
  /** p99 of each 10-second window, milliseconds. */
  eventLoopDelayP99Ms: { max: number; median: number; windows: number };
}

export async function soak(
  ctx: BenchContext,
  accounts: { tokens: string[]; refreshTokens: string[]; emails: string[]; password: string },
): Promise<ScenarioResult & { soak: SoakFigures }> {
  const { options, gateway } = ctx;
  const rate = options.soakRate ?? halfOfPeak(ctx.results) ?? 50;
  const seconds = Math.round(options.soakMinutes * 60);
  // "After the first minute"; a soak shorter than three minutes settles for a third of its length.
  const settleSeconds = Math.min(60, seconds / 3);
  const metricsUrl = new URL("/metrics", gateway.url).toString();
  await eventLoopP99Ms(metricsUrl); // resets the gateway's histogram

  const rss: Array<[number, number]> = [];
  const loopP99: number[] = [];
  const started = performance.now();
  const sampler = setInterval(() => {
    try {
      rss.push([(performance.now() - started) / 60_000, rssMiB(gateway.pid)]);
    } catch {
      // the gateway has gone: the load reports the errors
    }
  }, 1000);
  const scraper = setInterval(() => {
    void eventLoopP99Ms(metricsUrl).then(
      (ms) => loopP99.push(ms),
      () => undefined,
    );
  }, 10_000);
  try {
    const result = await runLoadProcess(
      spec(ctx, "mixed", { ...accounts, rate, connections: 64, warmup: 0, duration: seconds }),
      gateway.pid,
    );
    const settled = rss.filter(([minute]) => minute * 60 >= settleSeconds);
    const sizes = rss.map(([, mib]) => mib);
    const sortedLoop = [...loopP99].sort((a, b) => a - b);
    const figures: SoakFigures = {
      minutes: options.soakMinutes,
      rate,
      requests: result.responses,
      errors: result.errors,
      rssSlopeMiBPerMinute: slope(settled),
      settleSeconds,
      rssMiB: {
        first: sizes[0] ?? NaN,
        last: sizes.at(-1) ?? NaN,
        min: Math.min(...sizes),
        max: Math.max(...sizes),
      },
      eventLoopDelayP99Ms: {
        max: sortedLoop.at(-1) ?? NaN,
        median: sortedLoop[Math.floor(sortedLoop.length / 2)] ?? NaN,
        windows: sortedLoop.length,
      },
    };
    const note = `${options.soakMinutes} min at ${rate}/s (80% me, 10% refresh, 5% updateProfile, 5% login); RSS ${figures.rssMiB.min.toFixed(0)}–${figures.rssMiB.max.toFixed(0)} MiB, slope ${figures.rssSlopeMiBPerMinute.toFixed(2)} MiB/min after ${settleSeconds} s; event-loop delay p99 ${figures.eventLoopDelayP99Ms.median.toFixed(1)} ms (median of 10 s windows), ${figures.eventLoopDelayP99Ms.max.toFixed(1)} ms (worst)`;
    return { ...row("soak (mixed traffic)", result, figures.rssMiB.max, note), soak: figures };
  } finally {
    clearInterval(sampler);
    clearInterval(scraper);
  }
}
