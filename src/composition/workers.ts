import type { Config } from "../config";
import { BackgroundWork } from "../infra/background-work";
import { Lifecycle } from "../infra/lifecycle";
import type { Logger } from "../infra/logger";
import { KafkaEventPublisher } from "../outbox/event.publisher";
import { OutboxRelay } from "../outbox/outbox.relay";
import type { LinkTokens } from "../recovery/link-tokens";
import { KeyLayoutMigration } from "../sessions/session.migration";
import type { Clients } from "./clients";
import type { Stores } from "./stores";

/**
 * Tier 3a: what runs beside the requests: the outbox relay, the background work requests hand
 * off, and the start-up move of sessions of the earlier Redis key layout.
 */
export function createWorkers({
  config,
  logger,
  clients: { kafka, redis },
  stores: { outbox, sessionStore },
  linkTokens,
}: {
  config: Config;
  logger: Logger;
  clients: Clients;
  stores: Stores;
  linkTokens: LinkTokens;
}) {
  // A publish may take kafkajs's request timeout twice (one retry) plus a reconnect.
  const publishTimeoutMs = config.kafka.requestTimeoutMs * 2 + 1000;
  const relay = new OutboxRelay(
    outbox,
    kafka &&
      new KafkaEventPublisher(kafka, {
        idempotent: config.kafka.idempotent,
        timeoutMs: publishTimeoutMs,
        render: linkTokens.renderMessage,
      }),
    { ...config.relay, publishTimeoutMs },
    logger.child({ component: "outbox-relay" }),
  );
  const lifecycle = new Lifecycle(logger);
  lifecycle.add(relay);
  // Stopped before the relay (reverse order): work in hand still writes its outbox rows.
  const background = lifecycle.add(new BackgroundWork(logger.child({ component: "background" })));
  const keyLayout = new KeyLayoutMigration({
    redis,
    store: sessionStore,
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: config.jwt.refreshTtlSeconds,
    logger: logger.child({ component: "redis-key-layout" }),
  });
  return { relay, lifecycle, background, keyLayout };
}

export type Workers = ReturnType<typeof createWorkers>;
