import { auditEntry } from "../audit/audit.model";
import type { AuditRepository } from "../audit/audit.repository";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { Database } from "../infra/prisma";
import type { RateLimits } from "../limits/rate-limits";
import type { OneTimeLinks } from "../recovery/one-time-links";
import type { UserAdminRepository } from "../users/user-admin.repository";
import type { UserProfile } from "../users/user.model";
import type { UserRepository } from "../users/user.repository";
import { assertActorStill } from "./admin.guards";

/**
 * An admin sends a user a password reset link (the user asked on the phone, or cannot receive
 * mail from the public form because of a typo in it). The same link as `requestPasswordReset`
 * issues: one live link per user, a notification request in the outbox, the token never stored
 * or logged in production. Unlike the public form it answers honestly (the admin knows the
 * account exists) and writes an audit entry in the same transaction.
 */
export class AdminPasswordResetService {
  constructor(
    private readonly db: Database,
    private readonly users: UserRepository,
    private readonly admin: UserAdminRepository,
    private readonly links: OneTimeLinks,
    private readonly audit: AuditRepository,
    private readonly limits: RateLimits,
  ) {}

  async send(actor: UserProfile, userId: string, cause: Cause): Promise<true> {
    const { user, issued } = await this.db.$transaction(async (tx) => {
      await this.admin.lockAdminChanges(tx);
      await assertActorStill(this.users, tx, actor.id, ["ADMIN"]);
      const target = await this.admin.findTarget(tx, userId);
      if (!target) throw errors.userNotFound();
      // A disabled account could not sign in with a new password: enable it first.
      if (!target.profile.isActive) throw errors.accountDisabled();
      // The per-address limit of the public form holds here too: no one's inbox is flooded.
      await this.limits.consume("passwordResetPerEmail", target.profile.email);
      const link = await this.links.issue(tx, target.profile, "PASSWORD_RESET", cause);
      await this.audit.add(
        tx,
        auditEntry(cause, "PASSWORD_RESET_SENT", userId, { expiresAt: link.expiresAt.toISOString() }),
      );
      return { user: target.profile, issued: link };
    });
    this.links.logLink("PASSWORD_RESET", user.id, issued);
    return true;
  }
}
