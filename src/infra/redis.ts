import Redis from "ioredis";

/** Builds a Redis client. `keyPrefix` namespaces every key (one Redis for several deployments). */
export function createRedis(url: string, keyPrefix: string, name: string): Redis {
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
