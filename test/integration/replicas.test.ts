import fs from "node:fs";
import path from "node:path";
import { Cluster } from "ioredis";
import { Client } from "pg";
import { channelName, Topics } from "../../src/infra/redis.keys";
import { claimsOf } from "../support/accounts";
import { SCENARIO_ENV } from "../support/core-scenarios";
import { startBalancer, type Balancer } from "../support/balancer";
import { PASSWORD, registerUser, type Session } from "../support/factories";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process";
import { errorOf, GraphQLClient, type GraphQLResponse } from "../support/graphql-client";
import { EventCollector, waitFor } from "../support/kafka-consumer";
import { TOPICS, USER_EVENTS } from "../support/kafka-harness";
import { startMockKafka, type MockKafka } from "../support/kafka-mock";
import { op } from "../support/operations";
import { fromIp, randomIp } from "../support/rate-limits";
import { startRedisCluster, type RedisCluster } from "../support/redis-engines";
import { createMigratedDatabase } from "../support/test-db";
import { testEnv } from "../support/test-server";
import { closeAllWs, connectWs, pollUntil } from "../support/ws-client";

/**
 * Three gateway processes (src/main.ts, as production runs them) behind HAProxy, round-robin per
 * request, on a 3-master Redis Cluster, one database and a Kafka peer: for every user-visible
 * rule they behave as one gateway. A client talks to the balancer; the test also asks each
 * replica directly, to show the rule holds on every one of them, not only on the one that served.
 */
jest.setTimeout(60_000);

let cluster: RedisCluster;
let kafka: MockKafka;
let database: { url: string; drop(): Promise<void> };
let collector: EventCollector;
let replicas: GatewayProcess[] = [];
let balancer: Balancer;
let front: GraphQLClient;
let admin: Cluster;
/** Observed figures, written to test-artifacts/replicas.json for the report. */
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  [cluster, kafka, database] = await Promise.all([
    startRedisCluster(),
    startMockKafka(),
    createMigratedDatabase("replicas_test"),
  ]);
  collector = new EventCollector(kafka.brokers);
  await collector.start(TOPICS);
  const env = testEnv({
    ...cluster.env,
    DATABASE_URL: database.url,
    KAFKA_BOOTSTRAP_SERVERS: kafka.brokers,
    KAFKA_IDEMPOTENT_PRODUCER: "false",
    KAFKA_REQUEST_TIMEOUT_MS: "5000",
    KAFKA_RELAY_POLL_INTERVAL_MS: "20",
    KAFKA_RELAY_BATCH_SIZE: "5",
    KAFKA_RELAY_BACKOFF_MS: "50",
    KAFKA_RELAY_MAX_BACKOFF_MS: "500",
    // The core scenarios' limits (login 4/1m per address, lockout after 5), more sessions.
    ...SCENARIO_ENV,
    MAX_SESSIONS_PER_USER: "10",
    LOG_LEVEL: "debug",
  });
  replicas = await Promise.all([0, 1, 2].map(() => startGatewayProcess(env)));
  balancer = await startBalancer(replicas.map((replica) => replica.url));
  front = new GraphQLClient(balancer.graphqlUrl);
  admin = new Cluster(
    cluster.env.REDIS_NODES!.split(",").map((node) => {
      const [host, port] = node.split(":");
      return { host: host!, port: Number(port) };
    }),
  );
}, 180_000);

afterEach(closeAllWs);

afterAll(async () => {
  admin?.disconnect();
  await balancer?.stop();
  await Promise.all(replicas.map((replica) => replica.stop()));
  await collector?.stop().catch(() => undefined);
  await kafka?.stop();
  await cluster?.stop();
  await database?.drop();
  const dir = path.join(__dirname, "..", "..", "test-artifacts");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "replicas.json"), `${JSON.stringify(figures, null, 2)}\n`);
});

const me = (client: GraphQLClient, token: string) => client.request(op("Me"), {}, { token });
const reason = (response: GraphQLResponse) => errorOf(response).reason ?? errorOf(response).code;
const servedBy = (response: GraphQLResponse) => response.headers.get("x-served-by");
const signIn = (email: string, password = PASSWORD, ip = randomIp()) =>
  front.request(op("Login"), { input: { email, password } }, fromIp(ip));
async function signedIn(email: string): Promise<Session> {
  const response = await signIn(email);
  if (response.errors) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data!.login;
}

/** Gateway processes subscribed to `channel`, over every cluster node. */
async function listeners(channel: string): Promise<number> {
  const counts = await Promise.all(
    admin
      .nodes("all")
      .map(async (node) => Number(((await node.pubsub("NUMSUB", channel)) as [string, number])[1])),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
const prefix = () => testEnv().REDIS_KEY_PREFIX ?? "";

it("spreads requests over all three replicas", async () => {
  const session = await registerUser(front);
  const served = new Set<string | null>();
  for (let i = 0; i < 6; i += 1) served.add(servedBy(await me(front, session.accessToken)));
  expect([...served].sort()).toEqual(["r0", "r1", "r2"]);
});

it("a revocation through one replica ends the sessions on all, and closes their sockets on all within a second", async () => {
  const user = await registerUser(front);
  const others = [await signedIn(user.user.email), await signedIn(user.user.email)];
  // One socket on each replica, each on a session that the logout-all will end.
  const sockets = replicas.map((replica, i) => connectWs(replica, [user, ...others][i]!.accessToken));
  for (const socket of sockets) {
    socket.subscribe("SessionEvents");
    await socket.waitConnected();
  }
  const channel = channelName(prefix(), Topics.AUTH_CHANGED, user.user.id);
  await pollUntil(async () => (await listeners(channel)) === 3, "every replica to listen for the user");

  const keep = await signedIn(user.user.email);
  const revokedAt = Date.now();
  const answer = await front.request(op("LogoutAll"), {}, { token: keep.accessToken });
  expect(answer.data?.logoutAll).toBe(4);

  // At once, on every replica, whichever served the revocation.
  for (const replica of replicas) {
    for (const session of [user, ...others, keep]) {
      expect(reason(await me(replica.client, session.accessToken))).toBe("SESSION_NOT_FOUND");
    }
  }
  const closes = await Promise.all(sockets.map((socket) => socket.waitClosed()));
  for (const close of closes) expect(close).toMatchObject({ code: 4403, reason: "SESSION_NOT_FOUND" });
  const latencies = closes.map((close) => close.at - revokedAt);
  figures.socketCloseAfterRevocationMs = latencies;
  expect(Math.max(...latencies)).toBeLessThan(1000);
});

it("shares the lockout and the rate limits between replicas", async () => {
  const { user } = await registerUser(front);
  const served = new Set<string | null>();
  for (let i = 0; i < 4; i += 1) {
    const response = await signIn(user.email, "Wr0ng!password");
    served.add(servedBy(response));
    expect(errorOf(response).code).toBe("INVALID_CREDENTIALS");
  }
  expect(errorOf(await signIn(user.email, "Wr0ng!password")).code).toBe("ACCOUNT_LOCKED");
  for (const replica of replicas) {
    const direct = await replica.client.request(
      op("Login"),
      { input: { email: user.email, password: PASSWORD } },
      fromIp(randomIp()),
    );
    expect(errorOf(direct).code).toBe("ACCOUNT_LOCKED");
  }
  expect(served.size).toBe(3);

  const other = await registerUser(front);
  const ip = randomIp();
  for (let i = 0; i < 4; i += 1)
    expect((await signIn(other.user.email, PASSWORD, ip)).errors).toBeUndefined();
  for (const replica of replicas) {
    const direct = await replica.client.request(
      op("Login"),
      { input: { email: other.user.email, password: PASSWORD } },
      fromIp(ip),
    );
    expect(errorOf(direct)).toMatchObject({ code: "RATE_LIMITED", limit: "loginPerIp" });
  }
});

it("delivers to a subscriber on one replica the events caused through the others, in order", async () => {
  const user = await registerUser(front);
  const subscription = connectWs(replicas[0]!, user.accessToken).subscribe("SessionEvents");
  await pollUntil(
    async () => (await listeners(channelName(prefix(), Topics.SESSION_EVENTS, user.user.id))) >= 1,
    "the subscriber to listen",
  );
  const sessions: Session[] = [];
  for (let i = 0; i < 3; i += 1) sessions.push(await signedIn(user.user.email));
  for (const session of sessions) await front.request(op("Logout"), {}, { token: session.accessToken });
  const sids = new Set(sessions.map((session) => claimsOf(session.accessToken).sid));
  const events = await subscription.next(6, (event) => sids.has(event.sessionId));
  expect(events.map((event) => [event.type, event.sessionId])).toEqual([
    ...sessions.map((session) => ["SESSION_CREATED", claimsOf(session.accessToken).sid]),
    ...sessions.map((session) => ["SESSION_REVOKED", claimsOf(session.accessToken).sid]),
  ]);
});

it("serves a changed profile from every replica (one cache, written through)", async () => {
  const user = await registerUser(front);
  for (const replica of replicas)
    expect((await me(replica.client, user.accessToken)).data?.me.name).toBe("Test User");
  const renamed = await front.request(
    op("UpdateProfile"),
    { input: { name: "Everywhere" } },
    { token: user.accessToken },
  );
  expect(renamed.errors).toBeUndefined();
  for (const replica of replicas)
    expect((await me(replica.client, user.accessToken)).data?.me.name).toBe("Everywhere");
});

it("publishes every event once, each user's in commit order, with all three relays at work", async () => {
  const before = collector.received.length;
  const users = await Promise.all(
    Array.from({ length: 9 }, async (_, i) => {
      const session = await registerUser(front, { name: `User ${i}` });
      await front.request(
        op("UpdateProfile"),
        { input: { name: `Renamed ${i}` } },
        { token: session.accessToken },
      );
      await front.request(op("Logout"), {}, { token: session.accessToken });
      return session.user.id;
    }),
  );
  const db = new Client({ connectionString: database.url });
  await db.connect();
  try {
    await waitFor(
      async () =>
        Number(
          (await db.query(`SELECT count(*) FROM "OutboxEvent" WHERE "publishedAt" IS NULL`)).rows[0].count,
        ) === 0,
      30_000,
      "the outbox to be published",
    );
    await collector.caughtUp(TOPICS);
    const received = collector.received.slice(before);
    const ids = received.map((event) => event.value.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const userId of users) {
      const committed = await db.query(
        `SELECT "eventId"::text AS "eventId" FROM "OutboxEvent" WHERE "key" = $1 AND "topic" = $2 ORDER BY "OutboxEvent"."id"`,
        [userId, USER_EVENTS],
      );
      const got = collector.of(userId, USER_EVENTS);
      expect(got.map((event) => event.value.eventId)).toEqual(
        committed.rows.map((row: { eventId: string }) => row.eventId),
      );
    }
  } finally {
    await db.end();
  }
  for (const replica of replicas) expect(replica.stdout()).toContain('"msg":"kafka relay: published"');
});
