import Redis from "ioredis";
import { createInProcessRedis } from "./redis.in-process";

export interface RedisOptions {
  /**
   * Commands issued in the same event-loop turn, by any request, go out in one write and come
   * back in one read (ioredis auto-pipelining). Under load this batches the hot path's Redis
   * work across requests: a fifth less CPU per `me` at 50 connections. Not for a client in
   * subscriber mode.
   */
  autoPipelining?: boolean;
}

/**
 * Builds a Redis client. `keyPrefix` namespaces every key (one Redis for several deployments).
 * Without a URL (REDIS_URL unset, development only) the client is an in-process Redis that every
 * client of this process shares, so the same stores, scripts and PubSub run unchanged.
 */
export function createRedis(
  url: string | undefined,
  keyPrefix: string,
  name: string,
  options: RedisOptions = {},
): Redis {
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
    enableAutoPipelining: options.autoPipelining ?? false,
  });
}
