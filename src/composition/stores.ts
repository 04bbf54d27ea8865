import { AuditRepository } from "../audit/audit.repository";
import { Lockout } from "../auth/lockout";
import type { Config } from "../config";
import type { Logger } from "../infra/logger";
import { TransactionRunner, type Unit } from "../infra/unit-of-work";
import { RateLimits } from "../limits/rate-limits";
import { OutboxRepository, type OutboxWrites } from "../outbox/outbox.repository";
import { AccountTokenRepository } from "../recovery/account-token.repository";
import { SocketRegistry } from "../server/socket-registry";
import { SessionEventBus } from "../sessions/session-event.bus";
import type { SessionWork } from "../sessions/session.service";
import { SessionStore } from "../sessions/session.store";
import { LoginHistoryRepository } from "../users/login-history.repository";
import { UserAdminRepository } from "../users/user-admin.repository";
import { type ProfileCacheWrites, UserCache } from "../users/user.cache";
import { UserRepository } from "../users/user.repository";
import type { Clients } from "./clients";

/** What a unit of work carries: rows, outbox events, profile-cache writes, session announcements. */
export type Work = SessionWork & OutboxWrites & ProfileCacheWrites;

/**
 * Tier 2: repositories (PostgreSQL), stores (Redis) and the unit of work that ties a change's
 * rows, events, cache writes and announcements together.
 */
export function createStores({
  config,
  logger,
  clients: { db, redis, pubSub },
}: {
  config: Config;
  logger: Logger;
  clients: Clients;
}) {
  const sessionEvents = new SessionEventBus(pubSub.pubSub);
  const outbox = new OutboxRepository(db, config.kafka.topics);
  const cache = new UserCache({
    redis,
    ttlSeconds: config.profileCacheTtlSeconds,
    onChange: (userId) => sessionEvents.authChanged(userId),
  });
  // Every service writes through one unit of work: rows, outbox events, and (after the commit)
  // the profile cache and the session announcements.
  const uow = new TransactionRunner<Work>({
    db,
    extend: (unit: Unit) => ({
      emit: (cause, ...events) => outbox.add(unit.tx, cause, ...events),
      notify: (cause, ...events) => outbox.addNotification(unit.tx, cause, ...events),
      cacheProfile: (user) => unit.afterCommit(() => cache.put(user)),
      announce: (event) => unit.afterCommit(() => sessionEvents.publish(event)),
    }),
    onHookError: (err) => logger.warn({ err }, "could not undo after a rollback"),
  });
  return {
    uow,
    outbox,
    cache,
    sessionEvents,
    users: new UserRepository({ db }),
    userAdmin: new UserAdminRepository({ db }),
    loginHistory: new LoginHistoryRepository({ db }),
    audit: new AuditRepository({ db }),
    accountTokens: new AccountTokenRepository({ db }),
    sessionStore: new SessionStore({
      redis,
      options: {
        ttlSeconds: config.jwt.refreshTtlSeconds,
        maxPerUser: config.sessions.maxPerUser,
        graceSeconds: config.jwt.reuseGraceSeconds,
      },
    }),
    // Failures are forgotten a day after the last one (and never before a lock has run out).
    lockout: new Lockout({
      redis,
      policy: {
        maxAttempts: config.lockout.maxAttempts,
        lockoutSeconds: config.lockout.durationSeconds,
        memorySeconds: 24 * 3600,
        // No request outlives its deadline; twice that is a safe bound for a hash still in flight.
        inFlightSeconds: Math.ceil((config.requestTimeoutMs * 2) / 1000),
      },
    }),
    limits: new RateLimits({
      redis,
      config: config.rateLimits,
      logger: logger.child({ component: "rate-limits" }),
    }),
    /** graphql-ws connections per user, across processes. */
    sockets: new SocketRegistry({
      redis,
      options: { maxPerUser: config.hardening.webSocket.maxConnectionsPerUser },
      onRenewError: (err) => logger.warn({ err }, "could not renew websocket connection entries"),
    }),
  };
}

export type Stores = ReturnType<typeof createStores>;
