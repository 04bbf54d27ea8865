import { RedisKeys } from "../../src/infra/redis.keys";
import Redis from "ioredis";
import { UserCache } from "../../src/users/user.cache";
import { login, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startRedisMeter, type RedisMeter } from "../support/redis-meter";
import { sqlRecorder } from "../support/sql-counter";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The hot path: `me` costs one JWT verification, one Redis round trip (session and cached profile
 * pipelined) and no SQL while the profile is cached; every change to a user reaches the cache at
 * once. Redis traffic is counted at the wire, SQL through Prisma's query events.
 */

let meter: RedisMeter;
let server: TestServer;
let sql: ReturnType<typeof sqlRecorder>;
let redis: Redis;

beforeAll(async () => {
  meter = await startRedisMeter();
  server = await startTestServer({ REDIS_URL: meter.url });
  sql = sqlRecorder(server);
  // A client of our own, past the meter, to look at what the gateway cached.
  redis = new Redis(process.env.TEST_REDIS_URL!, { keyPrefix: process.env.TEST_REDIS_PREFIX });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
  await meter.close();
});

const me = (token: string) => server.client.request(op("Me"), {}, { token });

/** Runs `work` and returns what it cost in Redis round trips, Redis commands and SQL. */
async function cost(work: () => Promise<unknown>) {
  meter.reset();
  const { statements } = await sql.during(async () => {
    await work();
    // The HTTP response may leave before a fire-and-forget write; give such writes a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  return { roundTrips: meter.roundTrips, commands: [...meter.commands], sql: statements };
}

describe("me", () => {
  it("costs one Redis round trip and no SQL while the profile is cached", async () => {
    const session = await registerUser(server.client);
    const first = await me(session.accessToken); // register cached the profile already
    expect(first.data?.me.id).toBe(session.user.id);

    const spent = await cost(async () => {
      for (let i = 0; i < 5; i++) {
        const response = await me(session.accessToken);
        expect(response.data?.me.email).toBe(session.user.email);
      }
    });
    expect(spent.sql).toEqual([]);
    expect(spent.roundTrips).toBe(5);
    expect(spent.commands).toEqual(Array(5).fill(["hmget", "get"]).flat());
  });

  it("reads the database once on a cache miss, caches the profile, and is a hit again after", async () => {
    const session = await registerUser(server.client);
    await redis.del(RedisKeys.profile(session.user.id));

    const miss = await cost(() => me(session.accessToken));
    expect(miss.sql).toHaveLength(1);
    expect(miss.sql[0]).toMatch(/^SELECT .* FROM "public"\."User"/);
    expect(miss.roundTrips).toBe(2); // the pipeline, then the write-back of the profile
    expect(await redis.get(RedisKeys.profile(session.user.id))).toContain(session.user.email);

    const hit = await cost(() => me(session.accessToken));
    expect(hit.sql).toEqual([]);
    expect(hit.roundTrips).toBe(1);
  });

  it("answers from the session check alone when the session has ended: no profile read, no SQL", async () => {
    const session = await registerUser(server.client);
    await server.client.request(op("Logout"), {}, { token: session.accessToken });

    const spent = await cost(async () => {
      const response = await me(session.accessToken);
      expect(response.errors?.[0]?.extensions?.reason).toBe("SESSION_NOT_FOUND");
    });
    expect(spent.sql).toEqual([]);
    expect(spent.roundTrips).toBe(1);
  });
});

describe("profile cache invalidation", () => {
  it("shows an updateProfile in the very next me, from the cache", async () => {
    const session = await registerUser(server.client, { name: "Before Change" });
    expect((await me(session.accessToken)).data?.me.name).toBe("Before Change");

    const update = await server.client.request(
      op("UpdateProfile"),
      { input: { name: "After Change", region: "Busan" } },
      { token: session.accessToken },
    );
    expect(update.errors).toBeUndefined();

    const spent = await cost(async () => {
      const response = await me(session.accessToken);
      expect(response.data?.me).toMatchObject({ name: "After Change", region: "Busan" });
      expect(response.data?.me.updatedAt).toBe(update.data?.updateProfile.updatedAt);
    });
    expect(spent.sql).toEqual([]); // written through, not evicted and re-read
  });

  it("shows a change made through another session of the same user at once", async () => {
    const first = await registerUser(server.client);
    const second = await login(server.client, first.user.email);
    await me(first.accessToken);

    await server.client.request(
      op("UpdateProfile"),
      { input: { phone: "010-1234-5678" } },
      { token: second.accessToken },
    );
    expect((await me(first.accessToken)).data?.me.phone).toBe("010-1234-5678");
  });

  it("shows the lastLoginAt of a new login in the other sessions' me", async () => {
    const first = await registerUser(server.client);
    const before = (await me(first.accessToken)).data?.me.lastLoginAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await login(server.client, first.user.email);
    const after = (await me(first.accessToken)).data?.me.lastLoginAt;
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
  });

  it("never lets an older profile overwrite a newer one in the cache", async () => {
    const session = await registerUser(server.client, { name: "Newest Name" });
    const cache = new UserCache({ redis, ttlSeconds: 300 });
    const cached = await cache.get(session.user.id);
    expect(cached?.name).toBe("Newest Name");

    // A fill that read the row before the update committed arrives late, with the old profile.
    await cache.put({
      ...cached!,
      name: "Stale Name",
      updatedAt: new Date(cached!.updatedAt.getTime() - 1000),
    });
    expect((await me(session.accessToken)).data?.me.name).toBe("Newest Name");
  });
});
