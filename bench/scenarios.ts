import type { Seeded } from "./database";
import { PASSWORD } from "./database";
import type { LoadResult, LoadSpec } from "./load";
import { LOGIN, PROBES, SESSION_EVENTS } from "./operations";
import type { BenchOptions, ScenarioName } from "./options";
import {
  runLoadProcess,
  startBaseline,
  startBetterAuth,
  startSubscribers,
  watchMemory,
  type RunningServer,
} from "./processes";
import { soak } from "./soak";
import type { ScenarioResult } from "./report";
import { probeSubscription } from "./ws-probe";

/** The scenarios: each runs its load from separate processes and returns its table rows. */

export interface BenchContext {
  options: BenchOptions;
  gateway: RunningServer;
  seeded: Seeded;
  runId: string;
  /** The empty database of the better-auth peer. */
  peerDatabaseUrl: string;
  /** Rows of the scenarios run so far (the soak sizes its rate from them). */
  results: ScenarioResult[];
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

let addressCounter = 0;

/**
 * Signs in through the API, from a client address of its own (TRUST_PROXY is on). A sign-in that
 * timed out behind the hashing queue a previous scenario left (a loaded machine) is tried again.
 */
export async function signIn(url: string, email: string): Promise<Tokens> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await signInOnce(url, email);
    } catch (error) {
      if (attempt >= 3 || !/REQUEST_TIMEOUT/.test((error as Error).message)) throw error;
    }
  }
}

async function signInOnce(url: string, email: string): Promise<Tokens> {
  addressCounter += 1;
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": `172.16.${(addressCounter >> 8) & 255}.${addressCounter & 255}`,
    },
    body: JSON.stringify({ query: LOGIN, variables: { input: { email, password: PASSWORD } } }),
  });
  const body = (await response.json()) as { data?: { login: Tokens }; errors?: unknown };
  if (!body.data?.login) throw new Error(`sign-in of ${email} failed: ${JSON.stringify(body.errors)}`);
  return body.data.login;
}

async function signInAll(url: string, emails: string[]): Promise<Tokens[]> {
  const out: Tokens[] = new Array(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < emails.length) {
        const i = next++;
        out[i] = await signIn(url, emails[i]!);
      }
    }),
  );
  return out;
}

/** Whether the gateway's schema has a root field (see PROBES in operations.ts). */
export async function schemaHas(url: string, probe: keyof typeof PROBES): Promise<boolean> {
  const { document, field, root } = PROBES[probe];
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: document }),
  });
  const body = (await response.json().catch(() => ({}))) as { errors?: Array<{ message: string }> };
  const absent = new RegExp(
    `Cannot query field "${field}" on type "${root}"|not configured to execute ${root.toLowerCase()}|no ${root.toLowerCase()} type`,
    "i",
  );
  return !(body.errors ?? []).some((e) => absent.test(e.message));
}

export function row(
  name: string,
  result: LoadResult & { serverCpuMs?: number },
  peakRssMiB: number,
  note?: string,
): ScenarioResult {
  const cpu = result.serverCpuMs;
  return {
    name,
    status: "ok",
    connections: result.connections,
    rate: result.rate,
    rps: result.rps,
    latency: result.latency,
    errors: result.errors,
    errorSamples: result.errorSamples,
    peakRssMiB,
    serverCpuMsPerRequest: cpu !== undefined && result.responses ? cpu / result.responses : undefined,
    serverCores: cpu !== undefined ? cpu / (result.durationSeconds * 1000) : undefined,
    note,
  };
}

async function measured<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peakRssMiB: number }> {
  const memory = watchMemory(pid);
  try {
    const value = await work();
    return { value, peakRssMiB: memory.stop() };
  } catch (error) {
    memory.stop();
    throw error;
  }
}

export function spec(ctx: BenchContext, kind: LoadSpec["kind"], extra: Partial<LoadSpec> = {}): LoadSpec {
  return {
    kind,
    url: ctx.gateway.url,
    connections: ctx.options.connections,
    duration: ctx.options.duration,
    warmup: ctx.options.warmup,
    runId: ctx.runId,
    ...extra,
  };
}

let accessTokens: Tokens[] | undefined;
/** One session per connection, of distinct users, for me, updateProfile. */
async function sessionsForConnections(ctx: BenchContext): Promise<Tokens[]> {
  accessTokens ??= await signInAll(ctx.gateway.url, ctx.seeded.tokenEmails.slice(0, ctx.options.connections));
  return accessTokens;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const scenarios: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioResult[]>> = {
  async baseline(ctx) {
    const server = await startBaseline();
    try {
      const { value, peakRssMiB } = await measured(server.pid, () =>
        runLoadProcess(spec(ctx, "baseline", { url: server.url }), server.pid),
      );
      return [row("baseline (bare Apollo Server, constant user)", value, peakRssMiB)];
    } finally {
      await server.stop();
    }
  },

  async "better-auth"(ctx) {
    const server = await startBetterAuth(ctx.peerDatabaseUrl, ctx.options.connections);
    try {
      const { value, peakRssMiB } = await measured(server.pid, () =>
        runLoadProcess(
          spec(ctx, "betterAuthSession", { url: server.url, tokens: server.tokens }),
          server.pid,
        ),
      );
      return [
        row(
          "better-auth session check (bearer, same Postgres)",
          value,
          peakRssMiB,
          "peer baseline: GET /api/auth/get-session",
        ),
      ];
    } finally {
      await server.stop();
    }
  },

  async me(ctx) {
    const tokens = (await sessionsForConnections(ctx)).map((t) => t.accessToken);
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(spec(ctx, "me", { tokens }), ctx.gateway.pid),
    );
    return [row("me", value, peakRssMiB)];
  },

  async "me-latency"(ctx) {
    const { options } = ctx;
    const tokens = (await sessionsForConnections(ctx)).map((t) => t.accessToken);
    const probe = spec(ctx, "me", {
      tokens,
      rate: options.probeRate,
      connections: Math.min(32, options.connections),
    });
    const alone = await measured(ctx.gateway.pid, () => runLoadProcess(probe, ctx.gateway.pid));

    // The flood runs first for its warm-up and a second more, then the same probe runs inside it.
    const floodSpec = spec(ctx, "login", {
      connections: options.hashConnections,
      emails: ctx.seeded.loginEmails,
      password: PASSWORD,
      warmup: options.warmup + 1,
      duration: options.duration + options.warmup + 2,
    });
    const underFlood = await measured(ctx.gateway.pid, async () => {
      const flood = runLoadProcess(floodSpec);
      await sleep((options.warmup + 1) * 1000);
      const probed = await runLoadProcess(probe);
      return { probed, flood: await flood };
    });
    return [
      row("me @ fixed rate", alone.value, alone.peakRssMiB),
      row("me @ fixed rate, login flood", underFlood.value.probed, underFlood.peakRssMiB),
      row("login flood (during the probe)", underFlood.value.flood, underFlood.peakRssMiB),
    ];
  },

  async login(ctx) {
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(
        spec(ctx, "login", {
          connections: ctx.options.hashConnections,
          emails: ctx.seeded.loginEmails,
          password: PASSWORD,
        }),
        ctx.gateway.pid,
      ),
    );
    return [row("login", value, peakRssMiB, "a new session per login")];
  },

  async refreshToken(ctx) {
    // Sessions of their own, so rotating them leaves the access tokens of the others alone.
    const sessions = await signInAll(
      ctx.gateway.url,
      ctx.seeded.tokenEmails.slice(0, ctx.options.connections),
    );
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(
        spec(ctx, "refreshToken", { refreshTokens: sessions.map((s) => s.refreshToken) }),
        ctx.gateway.pid,
      ),
    );
    return [row("refreshToken", value, peakRssMiB, "one rotation chain per connection")];
  },

  async updateProfile(ctx) {
    const tokens = (await sessionsForConnections(ctx)).map((t) => t.accessToken);
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(spec(ctx, "updateProfile", { tokens }), ctx.gateway.pid),
    );
    return [row("updateProfile", value, peakRssMiB, "a real change each time")];
  },

  async register(ctx) {
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(
        spec(ctx, "register", { connections: ctx.options.hashConnections, password: PASSWORD }),
        ctx.gateway.pid,
      ),
    );
    return [row("register", value, peakRssMiB)];
  },

  async users(ctx) {
    if (!(await schemaHas(ctx.gateway.url, "users"))) {
      return [{ name: "users (admin, page of 20)", status: "skipped", note: "not in schema" }];
    }
    const admin = await signIn(ctx.gateway.url, ctx.seeded.adminEmail);
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, () =>
      runLoadProcess(spec(ctx, "users", { tokens: [admin.accessToken] }), ctx.gateway.pid),
    );
    return [
      row("users (admin, page of 20)", value, peakRssMiB, `${ctx.seeded.totalUsers} users in the table`),
    ];
  },

  async soak(ctx) {
    const tokens = (await sessionsForConnections(ctx)).map((t) => t.accessToken);
    // Chains of their own, so the soak's rotations leave the other scenarios' sessions alone.
    const chains = await signInAll(ctx.gateway.url, ctx.seeded.tokenEmails.slice(0, 20));
    return [
      await soak(ctx, {
        tokens,
        refreshTokens: chains.map((c) => c.refreshToken),
        emails: ctx.seeded.loginEmails,
        password: PASSWORD,
      }),
    ];
  },

  async "session-events"(ctx) {
    const name = "session events fan-out";
    // One user with five sessions (the per-user limit): one for every subscription, as N tabs of
    // one browser would share it, and four whose refreshes cause the events.
    const sessions: Tokens[] = [];
    for (let i = 0; i < 5; i++) sessions.push(await signIn(ctx.gateway.url, ctx.seeded.eventsEmail));
    const probe = await probeSubscription(
      ctx.gateway.url,
      sessions[0]!.accessToken,
      PROBES.sessionEvents.document,
      "sessionEvents",
    );
    if (probe.present === false) return [{ name, status: "skipped", note: `not in schema: ${probe.why}` }];
    if (probe.present === "unknown")
      return [{ name, status: "failed", note: `subscription probe: ${probe.why}` }];
    const { value, peakRssMiB } = await measured(ctx.gateway.pid, async () => {
      const subscribers = await startSubscribers({
        url: ctx.gateway.url,
        token: sessions[0]!.accessToken,
        subscribers: ctx.options.subscribers,
        document: SESSION_EVENTS,
      });
      const driver = await runLoadProcess(
        spec(ctx, "refreshToken", {
          connections: 4,
          warmup: 0,
          refreshTokens: sessions.slice(1).map((s) => s.refreshToken),
        }),
      );
      return { driver, delivered: await subscribers.collect() };
    });
    const { driver, delivered } = value;
    const published = driver.rps * driver.durationSeconds;
    const expected = published * delivered.connected;
    return [
      {
        name,
        status: "ok",
        connections: delivered.connected,
        rps: delivered.delivered / driver.durationSeconds,
        latency: delivered.latency,
        errors: driver.errors + delivered.errorCount,
        errorSamples: [...driver.errorSamples, ...delivered.errors],
        peakRssMiB,
        note: `events delivered/s to ${delivered.connected} subscriptions; ${driver.rps.toFixed(0)} events/s published (refreshes); ${
          expected ? ((100 * delivered.delivered) / expected).toFixed(1) : "–"
        }% of expected deliveries; latency = event time to receipt`,
      },
    ];
  },
};
