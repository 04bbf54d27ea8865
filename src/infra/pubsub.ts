import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, Repeater, SlidingBuffer } from "@graphql-yoga/subscription";
import type { PubSub } from "type-graphql";
import type { RedisClient } from "./redis";
import { channelName } from "./redis.keys";

/**
 * PubSub over Redis (Type-GraphQL's recommended `createPubSub` with a Redis event target), so a
 * subscriber on one gateway process sees what is published on any other. Payloads are plain JSON.
 */

/** Events a subscriber may lag behind before the oldest are dropped (see `subscribe` below). */
const SUBSCRIBER_BUFFER = 500;

export interface RedisPubSub {
  /** Type-GraphQL's PubSub: topics are namespaced by the Redis key prefix. */
  pubSub: PubSub;
  /** Calls `listener` whenever the subscriber connection comes back after a loss. */
  onResubscribed(listener: () => void): void;
}

export function createRedisPubSub(
  publishClient: RedisClient,
  subscribeClient: RedisClient,
  channelPrefix: string,
  onError: (error: unknown) => void,
): RedisPubSub {
  // The event target fires PUBLISH, SUBSCRIBE and UNSUBSCRIBE and drops their promises: a
  // rejection (Redis away, or the client already closed at shutdown) would be unhandled and end
  // the process, so it gets clients that catch them, and that retry a failed SUBSCRIBE.
  const eventTarget = createRedisEventTarget<CustomEvent>({
    publishClient: catching(publishClient, ["publish"], onError),
    subscribeClient: resubscribing(subscribeClient, onError),
    serializer: {
      stringify: (message) => JSON.stringify(message),
      // Runs inside ioredis' reply handler, where a throw would end the process.
      parse: (message) => {
        try {
          return JSON.parse(message);
        } catch (error) {
          onError(error);
          return null;
        }
      },
    },
  });
  const inner = createPubSub<Record<string, [unknown] | [string, unknown]>>({ eventTarget });

  const pubSub: PubSub = {
    publish(topic, ...args) {
      inner.publish(channelName(channelPrefix, topic), ...(args as [unknown]));
    },
    subscribe(topic, id) {
      const source = inner.subscribe(channelName(channelPrefix, topic), id as string);
      // The source queues pushes without bound and throws (inside ioredis) past 1024 pending
      // ones; a subscriber that stalls loses its oldest events instead of ending the process.
      return new Repeater<unknown>(async (push, stop) => {
        void stop.then(() => source.return());
        for await (const value of source) {
          if (value !== null) await push(value);
        }
        stop();
      }, new SlidingBuffer(SUBSCRIBER_BUFFER));
    },
  };

  let connectedBefore = false;
  const listeners: Array<() => void> = [];
  subscribeClient.on("ready", () => {
    if (connectedBefore) for (const listener of listeners) listener();
    connectedBefore = true;
  });

  return {
    pubSub,
    onResubscribed: (listener) => listeners.push(listener),
  };
}

/** `client`, with the promises of `methods` caught and reported instead of rejected. */
function catching<T extends RedisClient>(
  client: T,
  methods: string[],
  onError: (error: unknown) => void,
  replacements: Record<string, (...args: unknown[]) => unknown> = {},
): T {
  return new Proxy(client, {
    get(target, property) {
      const replacement = replacements[String(property)];
      if (replacement) return replacement;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!methods.includes(String(property))) return value.bind(target);
      return (...args: unknown[]) =>
        (value.apply(target, args) as Promise<unknown>).catch((error) => {
          onError(error);
        });
    },
  });
}

const RESUBSCRIBE_FIRST_DELAY_MS = 100;
const RESUBSCRIBE_MAX_DELAY_MS = 2000;

/**
 * `client` whose SUBSCRIBE is retried, with backoff, until it succeeds or the channel is no longer
 * wanted. The event target subscribes a channel once, when its first listener comes: a SUBSCRIBE
 * that failed (Redis briefly away, or a cluster's subscriber connection replaced while its ready
 * check ran) would otherwise leave that listener deaf for good.
 */
function resubscribing<T extends RedisClient>(client: T, onError: (error: unknown) => void): T {
  const wanted = new Set<string>();
  const attempt = (channel: string, delayMs: number) => {
    client.subscribe(channel).catch((error: unknown) => {
      onError(error);
      if (!wanted.has(channel) || client.status === "end") return;
      const retry = setTimeout(() => {
        if (wanted.has(channel)) attempt(channel, Math.min(delayMs * 2, RESUBSCRIBE_MAX_DELAY_MS));
      }, delayMs);
      retry.unref();
    });
  };
  return catching(client, ["unsubscribe"], onError, {
    subscribe: (channel) => {
      wanted.add(String(channel));
      attempt(String(channel), RESUBSCRIBE_FIRST_DELAY_MS);
      return Promise.resolve();
    },
    unsubscribe: (channel) => {
      wanted.delete(String(channel));
      return client.unsubscribe(String(channel)).catch(onError);
    },
  });
}
