import { RedisKeys } from "../../src/infra/redis.keys";
import { claimsOf } from "../support/accounts";
import { login, registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { startRedisCluster, type RedisEngine } from "../support/redis-engines";
import { spawnServer } from "../support/gateway-process";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * The upgrade from the key layout before hash tags: sessions written as release 0.1 wrote them
 * (`session:<id>` and `user-sessions:<userId>`) are moved at start-up, and their tokens go on
 * working: nobody is signed out by the upgrade. On the test Redis and on a Redis Cluster.
 */
const topologies: Array<[string, () => Promise<RedisEngine>]> = [
  ["single node", async () => ({ env: {}, stop: async () => undefined })],
  ["Redis Cluster", () => startRedisCluster()],
];

describe.each(topologies)("on %s", (name, start) => {
  let engine: RedisEngine;
  let server: TestServer;
  beforeAll(async () => {
    engine = await start();
    server = await startTestServer({ ...engine.env, MAX_SESSIONS_PER_USER: "3" });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await engine?.stop();
  });

  const redis = () => server.container.redis;
  const me = (token: string) => server.client.request(op("Me"), {}, { token });

  /**
   * Rewrites a session into the earlier layout, exactly as that release stored it: the same
   * hash under `session:<id>` with its expiry, and the id in `user-sessions:<userId>`.
   */
  async function downgrade(session: Session): Promise<void> {
    const { sub, sid } = claimsOf(session.accessToken);
    const hash = await redis().hgetall(RedisKeys.session(sub, sid));
    const ttl = await redis().pttl(RedisKeys.session(sub, sid));
    const score = await redis().zscore(RedisKeys.userSessions(sub), sid);
    await redis().hset(`session:${sid}`, hash);
    await redis().pexpire(`session:${sid}`, ttl);
    await redis().zadd(`user-sessions:${sub}`, score!, sid);
    await redis().del(RedisKeys.session(sub, sid));
    await redis().zrem(RedisKeys.userSessions(sub), sid);
    await redis().del(RedisKeys.layoutMarker);
  }

  it("moves sessions of the earlier layout at start-up: their tokens keep working, limits keep counting them", async () => {
    const alice = await registerUser(server.client);
    const aliceLaptop = await login(server.client, alice.user.email);
    const bob = await registerUser(server.client);
    for (const session of [alice, aliceLaptop, bob]) await downgrade(session);
    // Before the move the current layout does not know them: what an upgrade without it did.
    expect(errorOf(await me(alice.accessToken)).reason).toBe("SESSION_NOT_FOUND");

    // Two replicas starting at once: each session is moved once.
    const [first, second] = await Promise.all([
      server.container.keyLayout.run(),
      server.container.keyLayout.run(),
    ]);
    expect(first.moved + second.moved).toBe(3);

    for (const session of [alice, aliceLaptop, bob]) {
      expect((await me(session.accessToken)).data?.me.id).toBe(claimsOf(session.accessToken).sub);
    }
    // The refresh chain goes on from the token the client holds (not taken for a reuse).
    const refreshed = await server.client.request(op("RefreshToken"), { refreshToken: alice.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const sessions = await server.client.request(op("MySessions"), {}, { token: aliceLaptop.accessToken });
    expect(sessions.data!.mySessions).toHaveLength(2);
    // Moved sessions count against MAX_SESSIONS_PER_USER (3): two more logins end the least
    // recently used, the laptop's (alice's own was just refreshed).
    await login(server.client, alice.user.email);
    await login(server.client, alice.user.email);
    expect(errorOf(await me(aliceLaptop.accessToken)).reason).toBe("SESSION_NOT_FOUND");
    const token = refreshed.data!.refreshToken.accessToken;
    expect((await server.client.request(op("MySessions"), {}, { token })).data!.mySessions).toHaveLength(3);
    // Nothing of the earlier layout is left.
    expect(await redis().exists(`user-sessions:${alice.user.id}`)).toBe(0);
    expect(await redis().exists(`session:${claimsOf(bob.accessToken).sid}`)).toBe(0);
  });

  if (name === "single node") {
    it("moves them when the gateway starts (src/main.ts), before it answers", async () => {
      const session = await registerUser(server.client);
      await downgrade(session);
      const gateway = await spawnServer();
      try {
        expect((await gateway.client.request(op("Me"), {}, { token: session.accessToken })).data?.me.id).toBe(
          session.user.id,
        );
      } finally {
        gateway.kill();
        await gateway.exited;
      }
    });
  }

  it("sets a marker once nothing is left, so later start-ups skip the scan", async () => {
    await redis().del(RedisKeys.layoutMarker);
    expect(await server.container.keyLayout.run()).toMatchObject({ alreadyCurrent: false, found: 0 });
    expect(await server.container.keyLayout.run()).toMatchObject({ alreadyCurrent: true });
  });
});
