import type { AuditRepository } from "../audit/audit.repository";
import type { Lockout } from "../auth/lockout";
import type { Viewer } from "../users/viewer";
import { errors } from "../core/errors";
import type { AccountTokenRepository } from "../recovery/account-token.repository";
import type { SessionService } from "../sessions/session.service";
import type { LoginHistoryRepository } from "../users/login-history.repository";
import type { UserRepository } from "../users/user.repository";

/**
 * exportMyData: everything the gateway keeps about the caller, read fresh from the sources. The
 * GraphQL layer declares its type (graphql/gdpr/gdpr.types.ts UserDataExport).
 */
export class DataExportService {
  private readonly users: UserRepository;
  private readonly loginHistory: LoginHistoryRepository;
  private readonly audit: AuditRepository;
  private readonly sessions: SessionService;
  private readonly tokens: AccountTokenRepository;
  private readonly lockout: Lockout;

  constructor(deps: {
    users: UserRepository;
    loginHistory: LoginHistoryRepository;
    audit: AuditRepository;
    sessions: SessionService;
    tokens: AccountTokenRepository;
    lockout: Lockout;
  }) {
    this.users = deps.users;
    this.loginHistory = deps.loginHistory;
    this.audit = deps.audit;
    this.sessions = deps.sessions;
    this.tokens = deps.tokens;
    this.lockout = deps.lockout;
  }

  async export(viewer: Viewer) {
    const userId = viewer.user.id;
    const account = await this.users.findCredentialsById(userId);
    if (!account) throw errors.userNotFound();
    const [loginHistory, sessions, audit, accountTokens, lockout] = await Promise.all([
      this.loginHistory.ofUser(userId),
      this.sessions.list(userId),
      this.audit.concerning(userId),
      this.tokens.listForUser(userId),
      this.lockout.state(account.profile.email),
    ]);
    return {
      exportedAt: new Date(),
      profile: account.profile,
      failedLoginAttempts: lockout.failedAttempts,
      lockedUntil: lockout.lockedUntil,
      loginHistory,
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt,
        lastUsedAt: session.lastUsedAt,
        expiresAt: session.expiresAt,
        ipAddress: session.ipAddress ?? null,
        userAgent: session.userAgent ?? null,
        current: session.id === viewer.sessionId,
      })),
      auditEntries: audit.map((entry) => ({
        id: entry.id,
        action: entry.action,
        actorId: entry.actorId,
        targetId: entry.targetId,
        details: entry.details,
        // Another person's IP (the admin who acted on this user) is not this user's data.
        ipAddress: entry.actorId === userId ? entry.ipAddress : null,
        requestId: entry.requestId,
        createdAt: entry.createdAt,
      })),
      accountTokens,
    };
  }
}
