import { AdminBootstrapService } from "../admin/admin-bootstrap.service";
import { AdminPasswordResetService } from "../admin/admin-password-reset.service";
import { UserAdminService } from "../admin/user-admin.service";
import { UserDirectoryService } from "../admin/user-directory.service";
import { AuditLogService } from "../audit/audit.service";
import { AuthService } from "../auth/auth.service";
import { Authenticator } from "../auth/authenticator";
import { keyRingFromConfig } from "../auth/key.ring";
import { PasswordCheck } from "../auth/password-check";
import { PasswordHasher } from "../auth/password.hasher";
import { TokenService } from "../auth/token.service";
import type { Config } from "../config";
import { AccountDeletionService } from "../gdpr/account-deletion.service";
import { DataExportService } from "../gdpr/data-export.service";
import { UserErasureService } from "../gdpr/user-erasure.service";
import type { Logger } from "../infra/logger";
import type { Metrics } from "../observability/metrics";
import type { Tracing } from "../observability/tracing";
import { EmailVerificationService } from "../recovery/email-verification.service";
import type { LinkTokens } from "../recovery/link-tokens";
import { OneTimeLinks } from "../recovery/one-time-links";
import { PasswordResetService } from "../auth/password-reset.service";
import { SessionService } from "../sessions/session.service";
import { AccountCreator } from "../auth/account-creator";
import { BusinessVerifier } from "../users/business-verification";
import { LoginHistoryService } from "../users/login-history.service";
import { UserService } from "../users/user.service";
import type { Clients } from "./clients";
import type { Stores } from "./stores";
import type { Workers } from "./workers";

/** Tier 3: the services (the business rules), each given by name what it uses. */
export function createServices({
  config,
  logger,
  tracing,
  metrics,
  clients,
  stores,
  workers: { background },
  linkTokens,
}: {
  config: Config;
  logger: Logger;
  tracing: Tracing;
  metrics: Metrics;
  clients: Clients;
  stores: Stores;
  workers: Workers;
  linkTokens: LinkTokens;
}) {
  const { uow, users, userAdmin, loginHistory, audit, accountTokens, cache, lockout, limits } = stores;
  const business = new BusinessVerifier({ registry: clients.registry });
  const hasher = new PasswordHasher({
    options: {
      rounds: config.passwords.bcryptRounds,
      concurrency: config.passwords.hashConcurrency,
      nice: config.passwords.hashNice,
    },
    tracing,
  });
  const tokens = new TokenService({
    keys: keyRingFromConfig(config.jwt),
    options: {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
      refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    },
  });
  const links = new OneTimeLinks({
    tokens: accountTokens,
    logger: logger.child({ component: "recovery" }),
    options: config.recovery,
    linkTokens,
  });
  const sessions = new SessionService({
    uow,
    store: stores.sessionStore,
    events: stores.sessionEvents,
  });
  const authenticator = new Authenticator({
    tokens,
    sessions: stores.sessionStore,
    cache,
    users,
    touchIntervalMs: config.sessions.touchIntervalSeconds * 1000,
    onTouchError: (err) => logger.warn({ err }, "could not record session use"),
    metrics: metrics.auth,
  });
  const passwords = new PasswordCheck({ hasher, lockout, limits, metrics: metrics.auth });
  const accounts = new AccountCreator({ users, hasher, business });
  const erasure = new UserErasureService({
    uow,
    users,
    admin: userAdmin,
    loginHistory,
    hasher,
    sessions,
    outbox: stores.outbox,
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
  return {
    hasher,
    tokens,
    authenticator,
    services: {
      auth: new AuthService({
        uow,
        users,
        loginHistory,
        cache,
        hasher,
        tokens,
        sessions,
        sessionEvents: stores.sessionEvents,
        policy: { requireVerifiedEmail: config.recovery.requireVerifiedEmail },
        limits,
        accounts,
        verification,
        passwords,
        links: accountTokens,
        metrics: metrics.auth,
      }),
      users: new UserService({ db: clients.db, users, outbox: stores.outbox, cache, business }),
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
      directory: new UserDirectoryService({ admin: userAdmin }),
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
      auditLog: new AuditLogService({ audit }),
      adminPasswordReset: new AdminPasswordResetService({
        uow,
        users,
        admin: userAdmin,
        links,
        audit,
        limits,
      }),
      loginHistory: new LoginHistoryService({ loginHistory }),
      sessionEvents: stores.sessionEvents,
    },
  };
}
