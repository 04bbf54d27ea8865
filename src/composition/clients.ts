import type { Config } from "../config";
import { createKafka } from "../infra/kafka";
import type { Logger } from "../infra/logger";
import { createDatabase } from "../infra/prisma";
import { unavailableDependency } from "../infra/dependency-errors";
import { OutageTracker, watchRedis } from "../infra/outage";
import { createRedisPubSub } from "../infra/pubsub";
import { closeRedis, createRedis } from "../infra/redis";
import { BusinessRegistryClient } from "../users/business-registry.client";

/**
 * Tier 1: the clients of the outside world (PostgreSQL, Redis, PubSub, Kafka, the business
 * registry), each built once. Nothing else creates a client.
 */
export function createClients(config: Config, logger: Logger) {
  // No SQL statement outlives the request deadline it was started for.
  const db = createDatabase(config.databaseUrl, { statementTimeoutMs: config.requestTimeoutMs });
  const redis = createRedis(config.redis, { name: "identity-gateway", autoPipelining: true });
  // One warning when a dependency is lost and one line when it is back, not one per attempt.
  const outages = new OutageTracker(logger.child({ component: "dependencies" }), {
    database: () => db.$queryRaw`SELECT 1`,
    redis: () => redis.ping(),
  });
  watchRedis(redis, outages);
  // PubSub needs its own connections: a subscribing connection can do nothing else. Channels are
  // not keys, so the key prefix is applied to channel names by the PubSub itself.
  const publishRedis = createRedis(config.redis, { name: "identity-gateway-publish", prefixKeys: false });
  const subscribeRedis = createRedis(config.redis, { name: "identity-gateway-subscribe", prefixKeys: false });
  for (const client of [publishRedis, subscribeRedis]) {
    watchRedis(client, outages);
  }
  const pubSub = createRedisPubSub(publishRedis, subscribeRedis, config.redis.keyPrefix, (err) =>
    unavailableDependency(err)
      ? outages.lost("redis", err)
      : logger.warn({ err }, "redis pubsub command failed"),
  );
  const kafka = createKafka(config.kafka, logger);
  const registry =
    config.businessRegistry &&
    new BusinessRegistryClient({
      options: config.businessRegistry,
      logger: logger.child({ component: "business-registry" }),
    });

  return {
    db,
    redis,
    pubSub,
    kafka,
    /** The business registry's client, when BUSINESS_REGISTRY_URL is set. */
    registry,
    /** Which dependency is unreachable right now (logged once per outage). */
    outages,
    /** Releases every client. */
    async close() {
      outages.stop();
      registry?.shutdown();
      await Promise.allSettled([
        db.$disconnect(),
        closeRedis(redis),
        closeRedis(publishRedis),
        closeRedis(subscribeRedis),
      ]);
    },
  };
}

export type Clients = ReturnType<typeof createClients>;
