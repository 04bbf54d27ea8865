import { auditEntry } from "../audit/audit.model";
import type { AuditRepository } from "../audit/audit.repository";
import type { PasswordCheck } from "../auth/password-check";
import type { Viewer } from "../users/viewer";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { RateLimits } from "../limits/rate-limits";
import type { UserErasureService } from "./user-erasure.service";
import type { UserRepository } from "../users/user.repository";

/** deleteMyAccount: the person erases their own account (GDPR right to erasure). */
export class AccountDeletionService {
  private readonly users: UserRepository;
  private readonly passwords: PasswordCheck;
  private readonly erasure: UserErasureService;
  private readonly audit: AuditRepository;
  private readonly limits: RateLimits;

  constructor(deps: {
    users: UserRepository;
    passwords: PasswordCheck;
    erasure: UserErasureService;
    audit: AuditRepository;
    limits: RateLimits;
  }) {
    this.users = deps.users;
    this.passwords = deps.passwords;
    this.erasure = deps.erasure;
    this.audit = deps.audit;
    this.limits = deps.limits;
  }

  /**
   * A sensitive operation: the password is checked against the database (never a cache), and a
   * wrong one counts against the account's failed-login limit like a failed login. Then the
   * erasure admins use (UserErasureService): anonymised row, login history and tokens deleted,
   * every session ended, user.deleted, and an audit entry with the person as actor and target.
   */
  async deleteMyAccount(viewer: Viewer, password: string, cause: Cause): Promise<boolean> {
    const { id } = viewer.user;
    const account = await this.users.findCredentialsById(id);
    if (!account) throw errors.userNotFound();
    // Counted and locked as a login is (auth/password-check.ts).
    await this.passwords.assert(account.profile.email, password, account.passwordHash);
    await this.erasure.erase(id, cause, {
      inTransaction: (tx, before) =>
        this.audit.add(tx, auditEntry(cause, "USER_DELETED", id, { role: before.role, selfService: true })),
    });
    // The address is free again: a new account with it starts with a clean count.
    await this.limits.reset("loginFailuresPerAccount", account.profile.email);
    return true;
  }
}
