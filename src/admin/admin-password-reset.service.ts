import { auditEntry } from "../audit/audit.model";
import type { AuditRepository } from "../audit/audit.repository";
import { errors } from "../core/errors";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
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
  private readonly uow: UnitOfWork<Unit & OutboxWrites>;
  private readonly users: UserRepository;
  private readonly admin: UserAdminRepository;
  private readonly links: OneTimeLinks;
  private readonly audit: AuditRepository;
  private readonly limits: RateLimits;

  constructor(deps: {
    uow: UnitOfWork<Unit & OutboxWrites>;
    users: UserRepository;
    admin: UserAdminRepository;
    links: OneTimeLinks;
    audit: AuditRepository;
    limits: RateLimits;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.admin = deps.admin;
    this.links = deps.links;
    this.audit = deps.audit;
    this.limits = deps.limits;
  }

  async send(actor: UserProfile, userId: string, cause: Cause): Promise<true> {
    const { user, issued } = await this.uow.run(async (unit) => {
      const { tx } = unit;
      await this.admin.lockAdminChanges(tx);
      await assertActorStill(this.users, tx, actor.id, ["ADMIN"]);
      const target = await this.admin.findTarget(tx, userId);
      if (!target) throw errors.userNotFound();
      // A disabled account could not sign in with a new password: enable it first.
      if (!target.profile.isActive) throw errors.accountDisabled();
      // The per-address limit of the public form holds here too: no one's inbox is flooded.
      await this.limits.consume("passwordResetPerEmail", target.profile.email);
      const link = await this.links.issue(unit, target.profile, "PASSWORD_RESET", cause);
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
