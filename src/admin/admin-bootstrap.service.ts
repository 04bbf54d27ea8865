import { auditEntry } from "../audit/audit.model";
import type { AuditRepository } from "../audit/audit.repository";
import type { PasswordHasher } from "../auth/password.hasher";
import { assertStrongPassword } from "../auth/password.policy";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { SessionService } from "../sessions/session.service";
import type { ProfileCacheWrites } from "../users/user.cache";
import type { UserProfile } from "../users/user.model";
import { EmailTakenError, type UserRepository } from "../users/user.repository";
import { normalizeEmail, registrableEmail, validateProfile } from "../users/user.validation";

export type BootstrapOutcome = "created" | "promoted" | "unchanged";

/**
 * The first admin of a fresh install, without SQL (`npm run admin:create`). Makes the account an
 * active ADMIN, creating it when the email is new; running it again changes nothing. The system
 * is the actor: audit entries and events carry no actor id.
 */
export class AdminBootstrapService {
  private readonly uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
  private readonly users: UserRepository;
  private readonly hasher: PasswordHasher;
  private readonly sessions: SessionService;
  private readonly audit: AuditRepository;

  constructor(deps: {
    uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
    users: UserRepository;
    hasher: PasswordHasher;
    sessions: SessionService;
    audit: AuditRepository;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.hasher = deps.hasher;
    this.sessions = deps.sessions;
    this.audit = deps.audit;
  }

  /**
   * The password must meet the policy even when the account exists, but an existing account keeps
   * its own password: promoting never takes over someone's credentials.
   */
  async ensureAdmin(
    input: { email: string; password: string; name?: string },
    cause: Cause,
  ): Promise<{ outcome: BootstrapOutcome; user: UserProfile }> {
    const email = normalizeEmail(input.email);
    const { name } = validateProfile({ name: input.name ?? "Administrator" });
    assertStrongPassword(input.password);

    const existing = await this.users.findCredentialsByEmail(email);
    // An erased account is gone: it must not come back as an admin.
    if (existing?.deletedAt) throw errors.invalidEmailFormat();
    if (existing) return this.promote(existing.profile, cause);
    // A new account: the address must be one a person can have, as for register.
    registrableEmail(email);
    const passwordHash = await this.hasher.hash(input.password);
    try {
      const user = await this.uow.run(async ({ tx, emit, cacheProfile }) => {
        const created = await this.users.create(tx, {
          email,
          name: name!,
          passwordHash,
          role: "ADMIN",
          isVerified: true,
        });
        await emit(cause, userEvents.created(created));
        await this.audit.add(
          tx,
          auditEntry(cause, "USER_CREATED", created.id, { role: "ADMIN", isVerified: true }),
        );
        cacheProfile(created);
        return created;
      });
      return { outcome: "created", user };
    } catch (error) {
      // Another run created it in the meantime: promote that one (a no-op when it is an admin).
      if (!(error instanceof EmailTakenError)) throw error;
      const raced = await this.users.findCredentialsByEmail(email);
      if (!raced) throw error;
      return this.promote(raced.profile, cause);
    }
  }

  private async promote(profile: UserProfile, cause: Cause) {
    if (profile.role === "ADMIN" && profile.isActive) {
      return { outcome: "unchanged" as const, user: profile };
    }
    const user = await this.uow.run(async ({ tx, emit, cacheProfile }) => {
      const updated = await this.users.update(tx, profile.id, { role: "ADMIN", isActive: true });
      if (!profile.isActive) {
        await emit(cause, userEvents.updated(updated, ["isActive"]));
        await this.audit.add(tx, auditEntry(cause, "USER_ENABLED", profile.id, { role: profile.role }));
      }
      if (profile.role !== "ADMIN") {
        await emit(cause, userEvents.roleChanged(profile.id, profile.role, "ADMIN", null));
        await this.audit.add(
          tx,
          auditEntry(cause, "ROLE_CHANGED", profile.id, { oldRole: profile.role, newRole: "ADMIN" }),
        );
        await this.sessions.revokeAll(profile.id, "ROLE_CHANGED", cause);
      }
      cacheProfile(updated);
      return updated;
    });
    return { outcome: "promoted" as const, user };
  }
}
