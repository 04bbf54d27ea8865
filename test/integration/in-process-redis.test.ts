import type Redis from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { createInProcessRedis } from "../../src/infra/redis.in-process";
import { errorOf } from "../support/graphql-client";
import { PASSWORD, registerUser } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The in-process Redis of the embedded mode runs the same stores, Lua scripts and PubSub as a real
 * Redis. These flows exercise each script on it through the API (the whole suite also runs on it
 * with TEST_REDIS=in-process).
 */
describe("the gateway on the in-process Redis", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      REDIS_URL: "",
      MAX_SESSIONS_PER_USER: "3",
      REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0",
    });
  });

  afterAll(() => server.stop());

  it("reports itself in use", () => {
    expect(server.container.config.embedded.redis).toBe(true);
    expect(server.container.config.redis.keyPrefix).toBe("");
  });

  it("evicts the least recently used session beyond the limit (create script)", async () => {
    const first = await registerUser(server.client);
    const login = () =>
      server.client.request(op("Login"), { input: { email: first.user.email, password: PASSWORD } });
    const second = (await login()).data!.login;
    const third = (await login()).data!.login;
    const fourth = (await login()).data!.login;

    const evicted = await server.client.request(op("Me"), {}, { token: first.accessToken });
    expect(errorOf(evicted)).toMatchObject({ code: "UNAUTHENTICATED", reason: "SESSION_NOT_FOUND" });
    for (const live of [second, third, fourth]) {
      const me = await server.client.request(op("Me"), {}, { token: live.accessToken });
      expect(me.data!.me.email).toBe(first.user.email);
    }
  });

  it("rotates refresh tokens, ends the session on reuse and knows a missing one (rotate script)", async () => {
    const user = await registerUser(server.client);
    const rotated = await server.client.request(op("RefreshToken"), { refreshToken: user.refreshToken });
    expect(rotated.errors).toBeUndefined();
    const next = rotated.data!.refreshToken;

    const reused = await server.client.request(op("RefreshToken"), { refreshToken: user.refreshToken });
    expect(errorOf(reused).code).toBe("TOKEN_INVALID");
    const afterReuse = await server.client.request(op("Me"), {}, { token: next.accessToken });
    expect(errorOf(afterReuse).reason).toBe("SESSION_NOT_FOUND");

    // The session is gone now: the script reads absent fields, which must count as missing.
    const missing = await server.client.request(op("RefreshToken"), { refreshToken: next.refreshToken });
    expect(errorOf(missing).code).toBe("SESSION_NOT_FOUND");
  });

  it("writes profile changes through the cache (set-if-newer script, with cjson)", async () => {
    const user = await registerUser(server.client);
    await server.client.request(op("Me"), {}, { token: user.accessToken }); // cached now
    const updated = await server.client.request(
      op("UpdateProfile"),
      { input: { name: "Renamed In Process" } },
      { token: user.accessToken },
    );
    expect(updated.errors).toBeUndefined();
    const me = await server.client.request(op("Me"), {}, { token: user.accessToken });
    expect(me.data!.me.name).toBe("Renamed In Process");
  });

  it("ends the other sessions on a password change (revoke script)", async () => {
    const user = await registerUser(server.client);
    const other = await server.client.request(op("Login"), {
      input: { email: user.user.email, password: PASSWORD },
    });
    await server.client.request(op("Login"), { input: { email: user.user.email, password: PASSWORD } });
    const changed = await server.client.request(
      op("ChangePassword"),
      { input: { currentPassword: PASSWORD, newPassword: "N3w!Passw0rd" } },
      { token: user.accessToken },
    );
    expect(changed.data).toEqual({ changePassword: true });
    const ended = await server.client.request(op("Me"), {}, { token: other.data!.login.accessToken });
    expect(errorOf(ended).reason).toBe("SESSION_NOT_FOUND");
    const kept = await server.client.request(op("Me"), {}, { token: user.accessToken });
    expect(kept.errors).toBeUndefined();
    // The script's list of ended sessions reached the service: it wrote the event for them.
    const events = await server.container.db.outboxEvent.findMany({
      where: { key: user.user.id, eventType: "user.logged_out" },
    });
    expect(events).toHaveLength(1);
    expect((events[0]!.payload as { data: { sessionIds: string[] } }).data.sessionIds).toHaveLength(2);
  });
});

describe("in-process Redis clients", () => {
  const clients: Redis[] = [];
  const client = (server: string) => {
    const redis = createInProcessRedis(server);
    clients.push(redis);
    return redis;
  };

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it("share one keyspace per server name, like clients of one Redis", async () => {
    await client("shared").set("greeting", "hello");
    expect(await client("shared").get("greeting")).toBe("hello");
    expect(await client("elsewhere").get("greeting")).toBeNull();
  });

  it("deliver PubSub messages between clients", async () => {
    const subscriber = client("pubsub");
    const received = new Promise<[string, string]>((resolve) =>
      subscriber.on("message", (channel: string, message: string) => resolve([channel, message])),
    );
    await subscriber.subscribe("session-events");
    expect(await client("pubsub").publish("session-events", '{"type":"SESSION_CREATED"}')).toBe(1);
    expect(await received).toEqual(["session-events", '{"type":"SESSION_CREATED"}']);
  });

  it("return a script's tables as arrays, however the script built them", async () => {
    const redis = client("replies") as Redis & { listed(): Promise<unknown> };
    redis.defineCommand("listed", {
      numberOfKeys: 0,
      lua: `
        local out = {}
        for _, v in ipairs({ 'a', 'b', 'c' }) do table.insert(out, v) end
        table.insert(out, { 1, 'nested' })
        return out
      `,
    });
    expect(await redis.listed()).toEqual(["a", "b", "c", [1, "nested"]]);
  });

  it("count rate limits with rate-limiter-flexible's script", async () => {
    const limiter = new RateLimiterRedis({
      storeClient: client("limits"),
      keyPrefix: "rl",
      points: 2,
      duration: 60,
    });
    await limiter.consume("203.0.113.7");
    const second = await limiter.consume("203.0.113.7");
    expect(second.remainingPoints).toBe(0);
    const refused = await limiter.consume("203.0.113.7").catch((outcome: unknown) => outcome);
    expect(refused).toBeInstanceOf(RateLimiterRes);
    expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(50_000);
    expect((await limiter.consume("198.51.100.1")).remainingPoints).toBe(1);
  });

  it("say they are ready, and ended after quit, as ioredis does", async () => {
    const redis = createInProcessRedis("status");
    expect(redis.status).toBe("ready");
    await redis.quit();
    expect(redis.status).toBe("end");
  });

  it("give scripts cjson and Redis's nil-as-false replies", async () => {
    const redis = client("scripts") as Redis & { probe(key: string, json: string): Promise<string[]> };
    redis.defineCommand("probe", {
      numberOfKeys: 1,
      lua: `
        local decoded = cjson.decode(ARGV[1])
        local fields = redis.call('HMGET', KEYS[1], 'present', 'absent')
        return {
          decoded.name, tostring(decoded.nested.count), tostring(decoded.none == cjson.null),
          tostring(fields[1]), tostring(fields[2]), tostring(not fields[2]),
          cjson.encode({ decoded.list[2], 'q"uote' })
        }
      `,
    });
    await redis.hset("probe-hash", "present", "yes");
    expect(
      await redis.probe(
        "probe-hash",
        JSON.stringify({ name: 'Ada "A" ✓', nested: { count: 3 }, none: null, list: [1, "two"] }),
      ),
    ).toEqual(['Ada "A" ✓', "3", "true", "yes", "false", "true", '["two","q\\u0022uote"]']);
  });
});
