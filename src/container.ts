import { AdminBootstrapService } from "./admin/admin-bootstrap.service";
import { UserAdminService } from "./admin/user-admin.service";
import { UserDirectoryService } from "./admin/user-directory.service";
import { AuditRepository } from "./audit/audit.repository";
import { AdminPasswordResetService } from "./admin/admin-password-reset.service";
import { LoginHistoryService } from "./users/login-history.service";
import { AuditLogService } from "./audit/audit.service";
import { AuthService } from "./auth/auth.service";
import { Authenticator } from "./auth/authenticator";
import { Lockout } from "./auth/lockout";
import { PasswordCheck } from "./auth/password-check";
import { PasswordHasher } from "./auth/password.hasher";
import { keyRingFromConfig } from "./auth/key.ring";
import { TokenService } from "./auth/token.service";
import type { Config } from "./config";
import { KafkaEventPublisher } from "./outbox/event.publisher";
import { OutboxRelay } from "./outbox/outbox.relay";
import { OutboxRepository } from "./outbox/outbox.repository";
import { AccountDeletionService } from "./gdpr/account-deletion.service";
import { DataExportService } from "./gdpr/data-export.service";
import { BackgroundWork } from "./infra/background-work";
import { createKafka } from "./infra/kafka";
import { Lifecycle } from "./infra/lifecycle";
import type { Logger } from "./infra/logger";
import { createDatabase } from "./infra/prisma";
import { createRedisPubSub } from "./infra/pubsub";
import { unavailableDependency } from "./infra/dependency-errors";
import { OutageTracker, watchRedis } from "./infra/outage";
import { closeRedis, createRedis } from "./infra/redis";
import { SessionEventBus } from "./sessions/session-event.bus";
import { RateLimits } from "./limits/rate-limits";
import { AccountTokenRepository } from "./recovery/account-token.repository";
import { EmailVerificationService } from "./recovery/email-verification.service";
import { LinkTokens } from "./recovery/link-tokens";
import { OneTimeLinks } from "./recovery/one-time-links";
import { PasswordResetService } from "./recovery/password-reset.service";
import { createMetrics, registerStoreGauges } from "./observability/metrics";
import { noTracing, type Tracing } from "./observability/tracing";
import { SessionService, type SessionWork } from "./sessions/session.service";
import { KeyLayoutMigration } from "./sessions/session.migration";
import { SessionStore } from "./sessions/session.store";
import { SocketRegistry } from "./server/socket-registry";
import { BusinessRegistryClient } from "./users/business-registry.client";
import { BusinessVerifier } from "./users/business-verification";
import { UserAdminRepository } from "./users/user-admin.repository";
import { UserErasureService } from "./gdpr/user-erasure.service";
import { AccountCreator } from "./users/account-creator";
import { type ProfileCacheWrites, UserCache } from "./users/user.cache";
import { LoginHistoryRepository } from "./users/login-history.repository";
import { TransactionRunner, type Unit } from "./infra/unit-of-work";
import type { OutboxWrites } from "./outbox/outbox.repository";
import { UserRepository } from "./users/user.repository";
import { UserService } from "./users/user.service";

/**
 * The composition root: every client and service is built here, once, and passed down. Nothing
 * else creates a client.
 */
export function createContainer(config: Config, logger: Logger, tracing: Tracing = noTracing) {
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
    unavailableDependency(err) ? outages.lost("redis", err) : logger.warn({ err }, "redis pubsub command failed"),
  );

  const sessionEvents = new SessionEventBus(pubSub.pubSub);
  const outbox = new OutboxRepository(db, config.kafka.topics);
  const kafka = createKafka(config.kafka, logger);
  const linkTokens = new LinkTokens(config.recovery.linkSecret, config.recovery.frontendUrl);
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
  const limits = new RateLimits(redis, config.rateLimits, logger.child({ component: "rate-limits" }));
  const registry =
    config.businessRegistry &&
    new BusinessRegistryClient(
      config.businessRegistry,
      logger.child({ component: "business-registry" }),
    );
  const business = new BusinessVerifier(registry);
  const metrics = createMetrics(logger);
  const users = new UserRepository(db);
  const userAdmin = new UserAdminRepository(db);
  const audit = new AuditRepository(db);
  const accountTokens = new AccountTokenRepository(db);
  const loginHistory = new LoginHistoryRepository({ db });
  const links = new OneTimeLinks({
    tokens: accountTokens,
    logger: logger.child({ component: "recovery" }),
    options: config.recovery,
    linkTokens,
  });
  const cache = new UserCache(redis, config.profileCacheTtlSeconds, (userId) =>
    sessionEvents.authChanged(userId),
  );
  // Every service writes through one unit of work: rows, outbox events, and (after the commit)
  // the profile cache and the session announcements.
  const uow = new TransactionRunner<SessionWork & OutboxWrites & ProfileCacheWrites>({
    db,
    extend: (unit: Unit) => ({
      emit: (cause, ...events) => outbox.add(unit.tx, cause, ...events),
      notify: (cause, ...events) => outbox.addNotification(unit.tx, cause, ...events),
      cacheProfile: (user) => unit.afterCommit(() => cache.put(user)),
      announce: (event) => unit.afterCommit(() => sessionEvents.publish(event)),
    }),
    onHookError: (err) => logger.warn({ err }, "could not undo after a rollback"),
  });
  const hasher = new PasswordHasher(
    {
      rounds: config.passwords.bcryptRounds,
      concurrency: config.passwords.hashConcurrency,
      nice: config.passwords.hashNice,
    },
    tracing,
  );
  const tokens = new TokenService(keyRingFromConfig(config.jwt), {
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlSeconds: config.jwt.accessTtlSeconds,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
  });
  const store = new SessionStore(redis, {
    ttlSeconds: config.jwt.refreshTtlSeconds,
    maxPerUser: config.sessions.maxPerUser,
    graceSeconds: config.jwt.reuseGraceSeconds,
  });
  const sessions = new SessionService({ uow, store, events: sessionEvents });
  const keyLayout = new KeyLayoutMigration(
    redis,
    store,
    config.redis.keyPrefix,
    config.jwt.refreshTtlSeconds,
    logger.child({ component: "redis-key-layout" }),
  );
  const authenticator = new Authenticator({
    tokens,
    sessions: store,
    cache,
    users,
    touchIntervalMs: config.sessions.touchIntervalSeconds * 1000,
    onTouchError: (err) => logger.warn({ err }, "could not record session use"),
    metrics: metrics.auth,
  });
  const sockets = new SocketRegistry(
    redis,
    { maxPerUser: config.hardening.webSocket.maxConnectionsPerUser },
    (err) => logger.warn({ err }, "could not renew websocket connection entries"),
  );
  registerStoreGauges(metrics, {
    outboxBacklog: () => outbox.backlog(),
    activeSessions: () => store.countActive(),
  });

  // Failures are forgotten a day after the last one (and never before a lock has run out).
  const lockout = new Lockout(redis, {
    maxAttempts: config.lockout.maxAttempts,
    lockoutSeconds: config.lockout.durationSeconds,
    memorySeconds: 24 * 3600,
    // No request outlives its deadline; twice that is a safe bound for a hash still in flight.
    inFlightSeconds: Math.ceil((config.requestTimeoutMs * 2) / 1000),
  });
  const passwords = new PasswordCheck(hasher, lockout, limits, metrics.auth);
  const accounts = new AccountCreator({ users, hasher, business });
  const erasure = new UserErasureService({
    uow,
    users,
    admin: userAdmin,
    loginHistory,
    hasher,
    sessions,
    outbox,
    tokens: accountTokens,
    lockout,
  });
  const verification = new EmailVerificationService({
    uow,
    users,
    tokens: accountTokens,
    links,
    limits,
    metrics: metrics.auth,
  });
  const services = {
    auth: new AuthService({
      uow,
      users,
      loginHistory,
      cache,
      hasher,
      tokens,
      sessions,
      sessionEvents,
      policy: { requireVerifiedEmail: config.recovery.requireVerifiedEmail },
      limits,
      accounts,
      verification,
      passwords,
      links: accountTokens,
      metrics: metrics.auth,
    }),
    users: new UserService({ db, users, outbox, cache, business }),
    sessions,
    erasure,
    verification,
    passwordReset: new PasswordResetService({
      uow,
      users,
      tokens: accountTokens,
      links,
      hasher,
      sessions,
      limits,
      background,
      lockout,
      metrics: metrics.auth,
    }),
    dataExport: new DataExportService({
      users,
      loginHistory,
      audit,
      sessions,
      tokens: accountTokens,
      lockout,
    }),
    accountDeletion: new AccountDeletionService({ users, passwords, erasure, audit, limits }),
    directory: new UserDirectoryService(userAdmin),
    admin: new UserAdminService({
      uow,
      users,
      admin: userAdmin,
      sessions,
      audit,
      erasure,
      accounts,
      lockout,
    }),
    adminBootstrap: new AdminBootstrapService({ uow, users, hasher, sessions, audit }),
    auditLog: new AuditLogService(audit),
    adminPasswordReset: new AdminPasswordResetService({
      uow,
      users,
      admin: userAdmin,
      links,
      audit,
      limits,
    }),
    loginHistory: new LoginHistoryService({ loginHistory }),
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
    /** graphql-ws connections per user, across processes. */
    sockets,
    /** Derives one-time link tokens into notifications as they are published. */
    linkTokens,
    /** The login lockout (auth/lockout.ts). */
    lockout,
    /** Moves sessions of the earlier Redis key layout; main.ts runs it before listening. */
    keyLayout,
    /** What per-request DataLoaders read from (users/user.loader.ts createLoaders). */
    repositories: { users, userAdmin, lockout },
    services,
    outbox,
    relay,
    limits,
    /** Work requests hand off (password reset links); tests wait for it with `idle()`. */
    background,
    /** The business registry's client, when BUSINESS_REGISTRY_URL is set. */
    registry,
    /** Background work (the outbox relay); main.ts starts it after listening, stops it first. */
    lifecycle,
    metrics,
    tracing,
    /** Which dependency is unreachable right now (logged once per outage). */
    outages,
    /** Releases the clients; stop `lifecycle` first (main.ts and the test server do). */
    async close() {
      outages.stop();
      registry?.shutdown();
      await Promise.allSettled([
        db.$disconnect(),
        closeRedis(redis),
        closeRedis(publishRedis),
        closeRedis(subscribeRedis),
        hasher.close(),
      ]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
export type Services = Container["services"];
