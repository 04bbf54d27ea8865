import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";
import { LOGIN, ME, REFRESH, REGISTER, UPDATE_PROFILE, USERS_PAGE } from "./operations";
import { summarize, type LatencySummary } from "./stats";

/**
 * One load run, as the load worker process executes it: autocannon for closed-loop load at a
 * number of connections, or a fixed-rate (open-loop) probe for latency under interference.
 */

export type LoadKind =
  | "baseline"
  | "me"
  | "login"
  | "register"
  | "refreshToken"
  | "updateProfile"
  | "users"
  /** better-auth's session check (GET, bearer token): the peer baseline. */
  | "betterAuthSession"
  /** The soak's mix: 80% me, 10% refreshToken, 5% updateProfile, 5% login. */
  | "mixed";

export interface LoadSpec {
  kind: LoadKind;
  url: string;
  connections: number;
  /** Measured seconds. */
  duration: number;
  /** Unmeasured seconds first. */
  warmup: number;
  /** Requests per second: a fixed-rate probe instead of closed-loop load. */
  rate?: number;
  /** Access tokens, one per connection (or shared round-robin): me, updateProfile, users. */
  tokens?: string[];
  /** Refresh tokens, one chain per connection: refreshToken. */
  refreshTokens?: string[];
  /** Accounts to log in as, round-robin: login. */
  emails?: string[];
  password?: string;
  /** Makes register emails and client addresses unique to this run. */
  runId: string;
}

export interface LoadResult {
  kind: LoadKind;
  connections: number;
  rate?: number;
  durationSeconds: number;
  /** Responses received, errors included. */
  responses: number;
  /** Responses without errors, per second. */
  rps: number;
  latency: LatencySummary;
  /** GraphQL errors, non-2xx answers, connection errors and timeouts. */
  errors: number;
  errorSamples: string[];
}

interface Counters {
  responses: number;
  /** Responses that carried GraphQL errors or a non-2xx status. */
  badResponses: number;
  /** Connection errors and timeouts (no response at all). */
  transportErrors: number;
  samples: Map<string, number>;
  latencies: number[];
}

const newCounters = (): Counters => ({
  responses: 0,
  badResponses: 0,
  transportErrors: 0,
  samples: new Map(),
  latencies: [],
});

function recordError(counters: Counters, description: string, transport = false) {
  if (transport) counters.transportErrors += 1;
  else counters.badResponses += 1;
  if (counters.samples.size < 10 || counters.samples.has(description)) {
    counters.samples.set(description, (counters.samples.get(description) ?? 0) + 1);
  }
}

function describeErrors(status: number, body: string): string | undefined {
  // better-auth answers `null` for a session it does not know.
  if (status === 200 && !body.includes('"errors":') && body !== "null") return undefined;
  try {
    const parsed = JSON.parse(body) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    const first = parsed.errors?.[0];
    if (first) return `${status} ${first.extensions?.code ?? ""} ${first.message}`.slice(0, 200);
  } catch {
    // not JSON: fall through
  }
  return `${status} ${body.slice(0, 120)}`;
}

const JSON_HEADERS = { "content-type": "application/json" };

/** A distinct client address per request (TRUST_PROXY is on), so per-IP limits never bind. */
function clientAddress(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * The body and headers of the next request of a connection. `slot` is the connection's index,
 * `n` a counter unique across the run.
 */
type NextRequest = (
  slot: number,
  n: number,
) => { body?: string; method?: "GET" | "POST"; headers: Record<string, string>; lease?: number };

/** Refresh chains live here, not in autocannon's per-run context, so they survive the warm-up. */
const chains: string[] = [];
/**
 * Chains not in flight. A request leases one and gives it back with its answer, so a chain is
 * never used by two requests at once: autocannon's per-request context does not identify a
 * connection for good, and two requests of one chain would let an older answer overwrite a newer
 * token, and then present a token two rotations old, which the gateway rightly takes for a
 * stolen one (the session ends).
 */
const freeChains: number[] = [];

function requestFactory(spec: LoadSpec): {
  next: NextRequest;
  /** With the answer: the request's lease when `next` gave one, else its slot. */
  onBody?: (slotOrLease: number, body: string) => void;
} {
  const bearer = (slot: number) => {
    const tokens = spec.tokens ?? [];
    if (tokens.length === 0) throw new Error(`${spec.kind}: no tokens`);
    return { ...JSON_HEADERS, authorization: `Bearer ${tokens[slot % tokens.length]}` };
  };
  switch (spec.kind) {
    case "betterAuthSession":
      return {
        next: (slot) => ({
          method: "GET",
          headers: { authorization: `Bearer ${spec.tokens![slot % spec.tokens!.length]}` },
        }),
      };
    case "mixed":
      return mixedFactory(spec);
    case "baseline": {
      const body = JSON.stringify({ query: ME });
      return { next: () => ({ body, headers: JSON_HEADERS }) };
    }
    case "me": {
      const body = JSON.stringify({ query: ME });
      return { next: (slot) => ({ body, headers: bearer(slot) }) };
    }
    case "users": {
      const body = JSON.stringify({ query: USERS_PAGE });
      return { next: (slot) => ({ body, headers: bearer(slot) }) };
    }
    case "updateProfile":
      return {
        next: (slot, n) => ({
          // A different name every time: every request is a real change (write, event, cache).
          body: JSON.stringify({
            query: UPDATE_PROFILE,
            variables: { input: { name: `Bench User ${slot} ${n}` } },
          }),
          headers: bearer(slot),
        }),
      };
    case "login": {
      const emails = spec.emails ?? [];
      return {
        next: (_slot, n) => ({
          body: JSON.stringify({
            query: LOGIN,
            variables: { input: { email: emails[n % emails.length], password: spec.password } },
          }),
          headers: { ...JSON_HEADERS, "x-forwarded-for": clientAddress(n) },
        }),
      };
    }
    case "register":
      return {
        next: (_slot, n) => ({
          body: JSON.stringify({
            query: REGISTER,
            variables: {
              input: {
                email: `bench.${spec.runId}.${process.pid}.${n}@example.com`,
                password: spec.password,
                name: "Bench Registrant",
              },
            },
          }),
          headers: { ...JSON_HEADERS, "x-forwarded-for": clientAddress(n) },
        }),
      };
    case "refreshToken": {
      if (chains.length === 0) {
        chains.push(...(spec.refreshTokens ?? []));
        freeChains.push(...chains.keys());
      }
      return {
        next: () => {
          const lease = freeChains.pop();
          if (lease === undefined) throw new Error("refreshToken: more requests in flight than chains");
          return {
            body: JSON.stringify({ query: REFRESH, variables: { refreshToken: chains[lease] } }),
            headers: JSON_HEADERS,
            lease,
          };
        },
        onBody: (lease, body) => {
          const token = /"refreshToken":"([^"]+)"/.exec(body)?.[1];
          if (token) chains[lease] = token;
          freeChains.push(lease);
        },
      };
    }
  }
}

/**
 * The soak's traffic, by request number: of every 20, 16 `me`, 2 refreshToken, 1 updateProfile,
 * 1 login. Each kind keeps its own state (refresh chains), so the mix is the scenarios' requests.
 */
function mixedFactory(spec: LoadSpec): ReturnType<typeof requestFactory> {
  const me = requestFactory({ ...spec, kind: "me" });
  const refresh = requestFactory({ ...spec, kind: "refreshToken" });
  const update = requestFactory({ ...spec, kind: "updateProfile" });
  const login = requestFactory({ ...spec, kind: "login" });
  const REFRESH_LEASE = 1_000_000;
  return {
    next: (slot, n) => {
      const turn = n % 20;
      if (turn === 5 || turn === 15) {
        // Every chain in flight: this turn is a `me` instead (the mix stays within a request).
        if (freeChains.length === 0) return me.next(slot, n);
        const request = refresh.next(slot, n);
        return { ...request, lease: REFRESH_LEASE + request.lease! };
      }
      if (turn === 10) return update.next(slot, n);
      if (turn === 19) return login.next(slot, n);
      return me.next(slot, n);
    },
    onBody: (lease, body) => {
      if (lease >= REFRESH_LEASE) refresh.onBody!(lease - REFRESH_LEASE, body);
    },
  };
}

let requestCounter = 0;

/**
 * One continuous run of `warmup + duration` seconds; only what completes in the last `duration`
 * seconds is counted. (Two separate runs would let the warm-up's unanswered requests, which the
 * server still works through, eat into the measurement: seconds of it for logins at cost 12.)
 */
function autocannonRun(spec: LoadSpec, counters: Counters, window: WindowHooks): Promise<void> {
  const factory = requestFactory(spec);
  let nextSlot = 0;
  const measureFrom = performance.now() + spec.warmup * 1000;
  const measuring = () => performance.now() >= measureFrom;
  const windowTimer = setTimeout(window.start, spec.warmup * 1000);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.warmup + spec.duration,
        timeout: 60,
        method: "POST",
        requests: [
          {
            method: "POST",
            setupRequest: (req, context: { slot?: number; lease?: number }) => {
              context.slot ??= nextSlot++;
              const { lease, ...request } = factory.next(context.slot, requestCounter++);
              context.lease = lease;
              return { ...req, ...request };
            },
            onResponse: (status, body, context: { slot?: number; lease?: number }) => {
              factory.onBody?.(context.lease ?? context.slot ?? 0, body);
              if (!measuring()) return;
              const problem = describeErrors(status, body);
              if (problem) recordError(counters, problem);
            },
          },
        ],
      },
      (error) => {
        clearTimeout(windowTimer);
        window.end();
        if (error) reject(error);
        else resolve();
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      if (!measuring()) return;
      counters.responses += 1;
      counters.latencies.push(responseTime);
    });
    instance.on("reqError", (error) => {
      if (measuring()) recordError(counters, `transport ${String(error?.code ?? error)}`, true);
    });
  });
}

/**
 * Sends `rate` requests per second on a fixed schedule whatever the answers do (open loop), and
 * times each from when it was due, so a stall counts in full (no coordinated omission). Requests
 * due in the warm-up are sent but not counted.
 */
async function fixedRateRun(spec: LoadSpec, counters: Counters, window: WindowHooks): Promise<void> {
  const factory = requestFactory(spec);
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const interval = 1000 / spec.rate!;
  const warmupRequests = Math.round(spec.warmup * spec.rate!);
  const total = warmupRequests + Math.round(spec.duration * spec.rate!);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  const send = (i: number) => {
    const due = start + i * interval;
    const counted = i >= warmupRequests;
    if (i === warmupRequests) window.start();
    const { body, headers, method = "POST", lease } = factory.next(i % spec.connections, requestCounter++);
    const done = new Promise<void>((resolve) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method, agent, headers, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            if (lease !== undefined) factory.onBody?.(lease, Buffer.concat(chunks).toString());
            if (counted) {
              counters.responses += 1;
              counters.latencies.push(performance.now() - due);
              const problem = describeErrors(res.statusCode ?? 0, Buffer.concat(chunks).toString());
              if (problem) recordError(counters, problem);
            }
            resolve();
          });
        },
      );
      req.on("error", (error) => {
        // The chain's token is unknown now: it stays leased (out of the mix), never reused stale.
        if (counted)
          recordError(counters, `transport ${(error as NodeJS.ErrnoException).code ?? error.message}`, true);
        resolve();
      });
      req.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) send(sent++);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, start + sent * interval - performance.now())),
    );
  }
  await Promise.all(inFlight);
  window.end();
  agent.destroy();
}

/** Called when the measured window starts and ends, so the caller can read the server's CPU. */
export interface WindowHooks {
  start(): void;
  end(): void;
}

export async function runLoad(
  spec: LoadSpec,
  window: WindowHooks = { start() {}, end() {} },
): Promise<LoadResult> {
  const counters = newCounters();
  await (spec.rate ? fixedRateRun : autocannonRun)(spec, counters, window);
  const errorSamples = [...counters.samples].map(([text, count]) => `${count}x ${text}`);
  return {
    kind: spec.kind,
    connections: spec.connections,
    rate: spec.rate,
    durationSeconds: spec.duration,
    responses: counters.responses,
    rps: (counters.responses - counters.badResponses) / spec.duration,
    latency: summarize(counters.latencies),
    errors: counters.badResponses + counters.transportErrors,
    errorSamples,
  };
}
