import { AuthService } from "./auth/auth.service";
import { Authenticator } from "./auth/authenticator";
import { PasswordHasher } from "./auth/password.hasher";
import { hmacKeyRing, TokenService } from "./auth/token.service";
import type { Config } from "./config";
import { OutboxRepository } from "./events/outbox.repository";
import type { Logger } from "./infra/logger";
import { createDatabase } from "./infra/prisma";
import { createRedis } from "./infra/redis";
import type { SessionEventPublisher } from "./sessions/session-event";
import { SessionService } from "./sessions/session.service";
import { SessionStore } from "./sessions/session.store";
import { UserCache } from "./users/user.cache";
import { UserRepository } from "./users/user.repository";
import { UserService } from "./users/user.service";

/**
 * The composition root: every client and service is built here, once, and passed down. Nothing
 * else creates a client.
 */
export function createContainer(config: Config, logger: Logger) {
  const db = createDatabase(config.databaseUrl);
  const redis = createRedis(config.redis.url, config.redis.keyPrefix, "identity-gateway", {
    autoPipelining: true,
  });
  redis.on("error", (err) => logger.warn({ err }, "redis connection error"));

  const sessionEvents: SessionEventPublisher = { publish: () => undefined };
  const outbox = new OutboxRepository({
    userEvents: "user-events",
    notifications: "aegis.notification.requested.v1",
  });
  const users = new UserRepository(db);
  const cache = new UserCache(redis, config.profileCacheTtlSeconds);
  const hasher = new PasswordHasher({
    rounds: config.passwords.bcryptRounds,
    concurrency: config.passwords.hashConcurrency,
    nice: config.passwords.hashNice,
  });
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

  const services = {
    auth: new AuthService(db, users, cache, hasher, tokens, store, sessions, outbox, sessionEvents, {
      maxFailedLogins: config.lockout.maxAttempts,
      lockoutSeconds: config.lockout.durationSeconds,
      requireVerifiedEmail: false,
    }),
    users: new UserService(db, users, cache, outbox),
    sessions,
  };

  return {
    config,
    logger,
    db,
    redis,
    hasher,
    tokens,
    authenticator,
    services,
    async close() {
      await Promise.allSettled([db.$disconnect(), redis.quit(), hasher.close()]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
export type Services = Container["services"];
