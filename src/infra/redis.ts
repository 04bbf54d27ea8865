import Redis from "ioredis";
import { createInProcessRedis } from "./redis.in-process";

/**
 * Builds a Redis client. `keyPrefix` namespaces every key (one Redis for several deployments).
 * Without a URL (REDIS_URL unset, development only) the client is an in-process Redis that every
 * client of this process shares, so the same stores, scripts and PubSub run unchanged.
 */
export function createRedis(url: string | undefined, keyPrefix: string, name: string): Redis {
  if (url === undefined) return createInProcessRedis("in-process");
  return new Redis(url, {
    keyPrefix,
    connectionName: name,
    // Fail requests fast while Redis is down instead of queueing them for ever.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
    // A socket that does not close after QUIT (or never connected) is destroyed this soon, so a
    // shutdown is not held up by it.
    disconnectTimeout: 200,
  });
}
