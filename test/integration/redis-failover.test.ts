import fs from "node:fs";
import path from "node:path";
import { login, registerUser } from "../support/factories";
import type { GraphQLResponse } from "../support/graphql-client";
import { op } from "../support/operations";
import { startRedisSentinel, type RedisSentinelSet } from "../support/redis-engines";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * Sentinel failover under load: a bounded load of `me` and `refreshToken` runs against the
 * gateway while the Redis master is SIGKILLed; the sentinels promote the replica and the gateway
 * finds the new master by itself. What must hold: no request is answered as signed in wrongly (a
 * revoked session never passes, an answer is always the token's own user), a failure is a
 * retryable SERVICE_UNAVAILABLE and never a success, and every session the replica had survives. The figures (failover
 * time, failed requests, sessions lost) go to test-artifacts/failover.json.
 */
jest.setTimeout(90_000);

/** Pause of each of the six clients between two requests. */
const PACE_MS = 20;

let sentinel: RedisSentinelSet;
let server: TestServer;
beforeAll(async () => {
  sentinel = await startRedisSentinel({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
  server = await startTestServer({ ...sentinel.env, LOG_LEVEL: "info" });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await sentinel?.stop();
});

interface Chain {
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** Rotated during the load (its last rotation may be one the replica never got). */
  rotates: boolean;
  busy: boolean;
}

interface Outcome {
  kind: "me" | "refresh" | "revoked";
  /** For a session that only calls `me` (never rotated during the load). */
  steady?: boolean;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  code?: string;
  reason?: string;
  status?: number;
  retryAfter?: string | null;
}

const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code as string | undefined;
const reasonOf = (response: GraphQLResponse) =>
  response.errors?.[0]?.extensions?.reason as string | undefined;

it("survives the loss of the master: nobody signed in wrongly, failures are errors, replicated sessions survive", async () => {
  // Sessions made before the failover and known to the replica: half only call `me`, half also
  // rotate their refresh token under load. Some sessions are revoked first.
  const chains: Chain[] = [];
  const revoked: Array<{ accessToken: string; refreshToken: string }> = [];
  for (let i = 0; i < 16; i += 1) {
    const user = await registerUser(server.client);
    chains.push({ userId: user.user.id, ...pair(user), rotates: i % 2 === 1, busy: false });
    if (i % 4 === 0) {
      const other = await login(server.client, user.user.email);
      await server.client.request(op("Logout"), {}, { token: other.accessToken });
      revoked.push(pair(other));
    }
  }
  await sentinel.replicaCaughtUp();
  const oldMaster = await sentinel.currentMaster();

  const outcomes: Outcome[] = [];
  const wronglySignedIn: string[] = [];
  let killedAt = 0;
  let stopAt = Date.now() + 60_000;
  const record = (kind: Outcome["kind"], startedAt: number, response: GraphQLResponse, chain?: Chain) => {
    const outcome = {
      kind,
      steady: chain && !chain.rotates,
      startedAt,
      endedAt: Date.now(),
      ok: !response.errors && response.status === 200,
      code: codeOf(response),
      reason: reasonOf(response),
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
    };
    outcomes.push(outcome);
    return outcome;
  };

  const worker = async (index: number) => {
    for (let n = 0; Date.now() < stopAt; n += 1) {
      // Paced: a steady load, not a flood that would slow the other test files beside it.
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      const startedAt = Date.now();
      if (n % 5 === index % 5 && revoked.length > 0) {
        const session = revoked[n % revoked.length]!;
        const response = await send(op("Me"), {}, session.accessToken);
        if (record("revoked", startedAt, response).ok)
          wronglySignedIn.push(`revoked session answered: ${JSON.stringify(response.data)}`);
        continue;
      }
      const chain =
        chains.filter((candidate) => !candidate.busy)[n % chains.length] ?? chains.find((c) => !c.busy);
      if (!chain) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      chain.busy = true;
      try {
        if (chain.rotates && n % 3 === 0) {
          const response = await send(op("RefreshToken"), { refreshToken: chain.refreshToken });
          if (record("refresh", startedAt, response, chain).ok)
            Object.assign(chain, pair(response.data!.refreshToken));
        } else {
          const response = await send(op("Me"), {}, chain.accessToken);
          const outcome = record("me", startedAt, response, chain);
          if (outcome.ok && response.data?.me?.id !== chain.userId) {
            wronglySignedIn.push(`me answered ${response.data?.me?.id} for ${chain.userId}`);
          }
        }
      } finally {
        chain.busy = false;
      }
    }
  };
  const send = async (query: string, variables: Record<string, unknown>, token?: string) => {
    try {
      return await server.client.request(query, variables, { token });
    } catch (error) {
      return {
        status: 0,
        headers: new Headers(),
        errors: [{ message: String(error), extensions: { code: "NETWORK" } }],
      };
    }
  };

  const load = Promise.all(Array.from({ length: 6 }, (_, i) => worker(i)));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  killedAt = Date.now();
  await sentinel.master.kill();
  // Run until the gateway has served without error for two seconds after the switch, or 40 s.
  stopAt = killedAt + 40_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const recent = outcomes.filter((o) => o.startedAt > Date.now() - 2000 && o.kind !== "revoked");
    const lastFailure = Math.max(
      0,
      ...outcomes.filter((o) => !o.ok && o.kind !== "revoked").map((o) => o.endedAt),
    );
    if (
      lastFailure > killedAt &&
      Date.now() - lastFailure > 2000 &&
      recent.length > 0 &&
      recent.every((o) => o.ok)
    )
      break;
    if (Date.now() > stopAt) break;
  }
  stopAt = 0;
  await load;

  const newMaster = await sentinel.currentMaster();
  const during = outcomes.filter((o) => o.kind !== "revoked" && o.startedAt >= killedAt);
  const failures = during.filter((o) => !o.ok);
  const firstFailure = Math.min(...failures.map((o) => o.startedAt));
  const lastFailure = Math.max(...failures.map((o) => o.endedAt));
  const firstSuccessAfter = Math.min(
    ...during.filter((o) => o.ok && o.startedAt > lastFailure).map((o) => o.endedAt),
  );

  // After the switch: which sessions are still signed in.
  const lost: Array<{ rotates: boolean; reason?: string }> = [];
  for (const chain of chains) {
    const response = await server.client.request(op("Me"), {}, { token: chain.accessToken });
    if (response.errors)
      lost.push({ rotates: chain.rotates, reason: reasonOf(response) ?? codeOf(response) });
  }
  const codes: Record<string, number> = {};
  for (const failure of failures)
    codes[`${failure.kind}:${failure.code}/${failure.reason ?? ""}`] =
      (codes[`${failure.kind}:${failure.code}/${failure.reason ?? ""}`] ?? 0) + 1;
  const figures = {
    requests: outcomes.length,
    requestsDuringFailover: during.length,
    failedRequests: failures.length,
    failuresByCode: codes,
    /** SIGKILL of the master to the first request served after the last failure. */
    unavailableMs: failures.length > 0 ? firstSuccessAfter - killedAt : 0,
    failingWindowMs: failures.length > 0 ? lastFailure - firstFailure : 0,
    /** Requests wait in ioredis's queue while it reconnects: the longest answer during the switch. */
    slowestRequestMs: Math.max(...during.map((o) => o.endedAt - o.startedAt)),
    sessionsLost: lost.length,
    sessionsLostOfRotating: lost.filter((l) => l.rotates).length,
    lostReasons: lost.map((l) => l.reason),
    oldMaster,
    newMaster,
  };
  const dir = path.join(__dirname, "..", "..", "test-artifacts");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "failover.json"), `${JSON.stringify(figures, null, 2)}\n`);

  // The sentinels promoted the replica, and the gateway found it by itself.
  expect(newMaster).toBe(sentinel.replica.port);
  expect(newMaster).not.toBe(oldMaster);
  expect(await server.container.redis.call("ROLE")).toContain("master");
  // Nobody signed in wrongly, at any moment.
  expect(wronglySignedIn).toEqual([]);
  expect(outcomes.filter((o) => o.kind === "revoked" && o.ok)).toEqual([]);
  // A failure never told a live session it had ended: sessions that did not rotate during the
  // load were all on the replica; none was answered as signed out, and all survive.
  expect(outcomes.filter((o) => o.steady && o.code === "UNAUTHENTICATED")).toEqual([]);
  expect(lost.filter((l) => !l.rotates)).toEqual([]);
  // A failure during the switch is a retryable SERVICE_UNAVAILABLE (HTTP 503, Retry-After):
  // never a success, never an INTERNAL_SERVER_ERROR, never a client told it is signed out.
  expect(
    failures.filter((f) => f.code !== "SERVICE_UNAVAILABLE" || f.status !== 503 || !f.retryAfter),
  ).toEqual([]);
  // And the log says so once per outage, not once per failed request.
  expect(
    server.logs.filter(
      (line) => line.msg === "unexpected error" || line.msg === "unexpected error in resolver",
    ),
  ).toEqual([]);
  // Service came back without a restart.
  expect(during.filter((o) => o.ok && o.startedAt > lastFailure).length).toBeGreaterThan(0);
});

function pair(session: { accessToken: string; refreshToken: string }) {
  return { accessToken: session.accessToken, refreshToken: session.refreshToken };
}
