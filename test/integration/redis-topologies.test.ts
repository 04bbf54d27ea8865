import { Cluster } from "ioredis";
import { RedisKeys } from "../../src/infra/redis.keys";
import { claimsOf } from "../support/accounts";
import { CORE_SCENARIOS, SCENARIO_ENV, type Pair } from "../support/core-scenarios";
import { registerUser } from "../support/factories";
import { startRedisCluster, startRedisSentinel, type RedisEngine } from "../support/redis-engines";
import { startTestServer } from "../support/test-server";
import { closeAllWs } from "../support/ws-client";

/**
 * The core rules once per Redis topology, with two gateway processes sharing it: the test
 * Redis (one node), a 3-master Redis Cluster, and a Sentinel set (master, replica, 3
 * sentinels), the latter two started here on free ports and removed afterwards. The gateway is
 * the same code on each: only REDIS_TOPOLOGY and REDIS_NODES differ.
 */
const topologies: Array<[string, () => Promise<RedisEngine>]> = [
  ["single node", async () => ({ env: {}, stop: async () => undefined })],
  ["in-process", async () => ({ env: { REDIS_URL: "" }, stop: async () => undefined })],
  ["Redis Cluster", () => startRedisCluster()],
  ["Sentinel", () => startRedisSentinel()],
];

describe.each(topologies)("on %s", (name, start) => {
  let engine: RedisEngine;
  const pair = {} as Pair;
  beforeAll(async () => {
    engine = await start();
    const env = { ...SCENARIO_ENV, ...engine.env };
    [pair.east, pair.west] = await Promise.all([startTestServer(env), startTestServer(env)]);
  }, 60_000);
  afterEach(closeAllWs);
  afterAll(async () => {
    await Promise.all([pair.east?.stop(), pair.west?.stop()]);
    await engine?.stop();
  });

  it.each(Object.entries(CORE_SCENARIOS))("%s", async (_, scenario) => {
    await scenario(pair);
  });

  if (name === "Redis Cluster") {
    it("keeps a user's keys on one slot behind the key prefix, and spreads users over the nodes", async () => {
      const cluster = pair.east.container.redis as Cluster;
      const prefix = pair.east.container.config.redis.keyPrefix;
      expect(prefix).not.toBe("");
      const users = await Promise.all(Array.from({ length: 12 }, () => registerUser(pair.east.client)));
      const slotsOf = async (keys: string[]) =>
        Promise.all(keys.map(async (key) => Number(await cluster.cluster("KEYSLOT", prefix + key))));
      const nodesUsed = new Set<number>();
      for (const { accessToken } of users) {
        const { sub, sid } = claimsOf(accessToken);
        const keys = [RedisKeys.session(sub, sid), RedisKeys.userSessions(sub), RedisKeys.profile(sub)];
        const slots = await slotsOf(keys);
        expect(new Set(slots).size).toBe(1);
        // The keys exist under the prefix on the node that owns that slot.
        const owner = (await cluster.cluster("SLOTS")) as unknown as Array<
          [number, number, [string, number]]
        >;
        const [, , [, port]] = owner.find(([from, to]) => slots[0]! >= from && slots[0]! <= to)!;
        nodesUsed.add(port);
        const direct = cluster.nodes("master").find((n) => n.options.port === port)!;
        expect(await direct.exists(...keys.map((key) => prefix + key))).toBe(3);
      }
      expect(nodesUsed.size).toBeGreaterThan(1);
    });
  }
});
