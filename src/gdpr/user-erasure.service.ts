import { randomBytes } from "node:crypto";
import type { Lockout } from "../auth/lockout";
import type { PasswordHasher } from "../auth/password.hasher";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxRepository, OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Tx } from "../infra/prisma";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { AccountTokenRepository } from "../recovery/account-token.repository";
import type { SessionService } from "../sessions/session.service";
import { assertNotLastAdmin } from "../users/last-admin";
import type { UserAdminRepository } from "../users/user-admin.repository";
import type { LoginHistoryRepository } from "../users/login-history.repository";
import type { ProfileCacheWrites } from "../users/user.cache";
import type { UserProfile } from "../users/user.model";
import type { UserRepository } from "../users/user.repository";

export const ERASED_NAME = "Deleted User";
export const ERASED_EMAIL_DOMAIN = "deleted.invalid";

/** The address an erased account keeps: unique, undeliverable (.invalid), and no one's. */
export function erasedEmail(userId: string): string {
  return `deleted_${userId}@${ERASED_EMAIL_DOMAIN}`;
}

export interface EraseOptions {
  /**
   * The caller's own records (an audit entry, a check of the actor), written in the erasure's
   * transaction after the row is anonymised; throwing rolls the whole erasure back.
   */
  inTransaction?: (tx: Tx, before: UserProfile) => Promise<void>;
}

/**
 * GDPR erasure, for deleteUser (an admin) and deleteMyAccount (the person): the one place that
 * decides what erasing a person means. The row stays, so audit entries and events still name a
 * user, but nothing in it identifies the person any more.
 */
export class UserErasureService {
  private readonly uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
  private readonly users: UserRepository;
  private readonly admin: UserAdminRepository;
  private readonly loginHistory: LoginHistoryRepository;
  private readonly hasher: PasswordHasher;
  private readonly sessions: SessionService;
  private readonly outbox: OutboxRepository;
  private readonly tokens: AccountTokenRepository;
  private readonly lockout: Lockout;

  constructor(deps: {
    uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
    users: UserRepository;
    admin: UserAdminRepository;
    loginHistory: LoginHistoryRepository;
    hasher: PasswordHasher;
    sessions: SessionService;
    /** For redacting the person from events not yet published (not for writing events). */
    outbox: OutboxRepository;
    tokens: AccountTokenRepository;
    lockout: Lockout;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.admin = deps.admin;
    this.loginHistory = deps.loginHistory;
    this.hasher = deps.hasher;
    this.sessions = deps.sessions;
    this.outbox = deps.outbox;
    this.tokens = deps.tokens;
    this.lockout = deps.lockout;
  }

  /**
   * In one transaction: anonymises the row (email `deleted_<id>@deleted.invalid`, name
   * "Deleted User", contact and business fields cleared, inactive, role USER, a password hash of
   * a random secret nobody holds), deletes the login history (the user's rows and attempts that
   * named their email) and any verification or reset token, writes `user.deleted`, and as the last step revokes every session. The
   * email is free for a new registration afterwards. USER_NOT_FOUND for a missing or already
   * erased account; FORBIDDEN (LAST_ADMIN) for the last active ADMIN.
   */
  async erase(userId: string, cause: Cause, options: EraseOptions = {}): Promise<UserProfile> {
    // A real bcrypt hash, so login treats the row like any other and simply never matches.
    const unusableHash = await this.hasher.hash(randomBytes(32).toString("base64url"));
    return this.uow.run(async ({ tx, emit, cacheProfile, afterCommit }) => {
      await this.admin.lockAdminChanges(tx);
      const target = await this.admin.findTarget(tx, userId);
      if (!target) throw errors.userNotFound();
      await assertNotLastAdmin(this.admin, tx, target.profile, "deleted");

      const deletedAt = new Date();
      const anonymised = await this.users.update(tx, userId, {
        email: erasedEmail(userId),
        name: ERASED_NAME,
        phone: null,
        businessType: null,
        businessNumber: null,
        businessNumberStatus: null,
        businessVerifiedAt: null,
        industry: null,
        region: null,
        passwordHash: unusableHash,
        role: "USER",
        isActive: false,
        isVerified: false,
        lastLoginAt: null,
        deletedAt,
      });
      await this.loginHistory.erase(tx, userId, target.profile.email);
      await this.tokens.deleteForUser(tx, userId);
      await this.outbox.redactUser(tx, userId, { email: erasedEmail(userId), name: ERASED_NAME });
      await emit(cause, userEvents.deleted(userId, deletedAt));
      await options.inTransaction?.(tx, target.profile);
      await this.sessions.revokeAll(userId, "ACCOUNT_DELETED", cause);
      cacheProfile(anonymised);
      // The address is free again: a new account with it starts with no failures and no lock.
      afterCommit(() => this.lockout.clear(target.profile.email));
      return anonymised;
    });
  }
}
