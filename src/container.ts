import { AdminBootstrapService } from "./admin/admin-bootstrap.service";
import { UserAdminService } from "./admin/user-admin.service";
import { UserDirectoryService } from "./admin/user-directory.service";
import { AuditRepository } from "./audit/audit.repository";
import { AuditLogService } from "./audit/audit.service";
import { AuthService } from "./auth/auth.service";
import { Authenticator } from "./auth/authenticator";
import { PasswordHasher } from "./auth/password.hasher";
import { hmacKeyRing, TokenService } from "./auth/token.service";
import type { Config } from "./config";
import { KafkaEventPublisher } from "./events/event.publisher";
import { OutboxRelay } from "./events/outbox.relay";
import { OutboxRepository } from "./events/outbox.repository";
import { createKafka } from "./infra/kafka";
import { Lifecycle } from "./infra/lifecycle";
import type { Logger } from "./infra/logger";
import { createDatabase } from "./infra/prisma";
import { createRedisPubSub } from "./infra/pubsub";
import { createRedis } from "./infra/redis";
import { SessionEventBus } from "./sessions/session-event.bus";
import { SessionService } from "./sessions/session.service";
import { SessionStore } from "./sessions/session.store";
import { UserAdminRepository } from "./users/user-admin.repository";
import { UserErasureService } from "./users/user-erasure.service";
import { UserCache } from "./users/user.cache";
import { UserRepository } from "./users/user.repository";
import { UserService } from "./users/user.service";

/**
 * The composition root: every client and service is built here, once, and passed down. Nothing
 * else creates a client.
 */
export function createContainer(config: Config, logger: Logger) {
  const db = createDatabase(config.databaseUrl);
  const redis = createRedis(config.redis.url, config.redis.keyPrefix, "identity-gateway");
  redis.on("error", (err) => logger.warn({ err }, "redis connection error"));
  // PubSub needs its own connections: a subscribing connection can do nothing else. Channels are
  // not keys, so the key prefix is applied to channel names by the PubSub itself.
  const publishRedis = createRedis(config.redis.url, "", "identity-gateway-publish");
  const subscribeRedis = createRedis(config.redis.url, "", "identity-gateway-subscribe");
  for (const client of [publishRedis, subscribeRedis]) {
    client.on("error", (err) => logger.warn({ err }, "redis pubsub connection error"));
  }
  const pubSub = createRedisPubSub(publishRedis, subscribeRedis, config.redis.keyPrefix, (err) =>
    logger.warn({ err }, "redis pubsub command failed"),
  );

  const sessionEvents = new SessionEventBus(pubSub.pubSub);
  const outbox = new OutboxRepository(db, config.kafka.topics);
  const kafka = createKafka(config.kafka, logger);
  // A publish may take kafkajs's request timeout twice (one retry) plus a reconnect.
  const publishTimeoutMs = config.kafka.requestTimeoutMs * 2 + 1000;
  const relay = new OutboxRelay(
    outbox,
    kafka &&
      new KafkaEventPublisher(kafka, {
        idempotent: config.kafka.idempotent,
        timeoutMs: publishTimeoutMs,
      }),
    { ...config.relay, publishTimeoutMs },
    logger.child({ component: "outbox-relay" }),
  );
  const lifecycle = new Lifecycle(logger);
  lifecycle.add(relay);
  const users = new UserRepository(db);
  const userAdmin = new UserAdminRepository(db);
  const audit = new AuditRepository(db);
  const cache = new UserCache(redis, config.profileCacheTtlSeconds, (userId) =>
    sessionEvents.authChanged(userId),
  );
  const hasher = new PasswordHasher(
    config.passwords.bcryptRounds,
    config.passwords.hashConcurrency,
  );
  const tokens = new TokenService(hmacKeyRing(config.jwt.secret), {
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
  });
  const store = new SessionStore(redis, {
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: config.jwt.refreshTtlSeconds,
    maxPerUser: config.sessions.maxPerUser,
    graceSeconds: config.jwt.reuseGraceSeconds,
  });
  const sessions = new SessionService(db, store, outbox, sessionEvents);
  const authenticator = new Authenticator(
    tokens,
    redis,
    store,
    cache,
    users,
    config.sessions.touchIntervalSeconds * 1000,
    (err) => logger.warn({ err }, "could not record session use"),
  );

  const erasure = new UserErasureService(db, users, userAdmin, hasher, cache, sessions, outbox);
  const services = {
    auth: new AuthService(db, users, cache, hasher, tokens, store, sessions, outbox, sessionEvents, {
      maxFailedLogins: config.lockout.maxAttempts,
      lockoutSeconds: config.lockout.durationSeconds,
      requireVerifiedEmail: false,
    }),
    users: new UserService(db, users, cache, outbox),
    sessions,
    erasure,
    directory: new UserDirectoryService(userAdmin),
    admin: new UserAdminService(db, users, userAdmin, cache, hasher, sessions, outbox, audit, erasure),
    adminBootstrap: new AdminBootstrapService(db, users, cache, hasher, sessions, outbox, audit),
    auditLog: new AuditLogService(audit),
    sessionEvents,
  };

  return {
    config,
    logger,
    db,
    redis,
    cache,
    pubSub,
    hasher,
    tokens,
    authenticator,
    /** What per-request DataLoaders read from (users/user.loader.ts createLoaders). */
    repositories: { users, userAdmin },
    services,
    outbox,
    relay,
    /** Background work (the outbox relay); main.ts starts it after listening, stops it first. */
    lifecycle,
    async close() {
      await lifecycle.stop();
      await Promise.allSettled([
        db.$disconnect(),
        redis.quit(),
        publishRedis.quit(),
        subscribeRedis.quit(),
      ]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
export type Services = Container["services"];
