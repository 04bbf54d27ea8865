import { auditEntry } from "../audit/audit.model";
import type { Lockout } from "../auth/lockout";
import type { AuditRepository } from "../audit/audit.repository";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Tx } from "../infra/prisma";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { SessionService } from "../sessions/session.service";
import type { AdminTarget, UserAdminRepository } from "../users/user-admin.repository";
import type { UserErasureService } from "../gdpr/user-erasure.service";
import type { ProfileCacheWrites } from "../users/user.cache";
import type { Role, UserProfile } from "../users/user.model";
import type { AccountCreator } from "../auth/account-creator";
import type { UserRepository } from "../users/user.repository";
import type { ProfileInput } from "../users/user.validation";
import { assertNotLastAdmin } from "../users/last-admin";
import { assertActorStill, assertModeratorScope, assertNotSelf } from "./admin.guards";

export interface AdminCreateUserInput extends ProfileInput {
  email: string;
  password: string;
  name: string;
  role?: Role | null;
  isVerified?: boolean | null;
}

/** What an admin change writes through the unit of work. */
type AdminWork = Unit & OutboxWrites & ProfileCacheWrites;

const ADMIN: readonly Role[] = ["ADMIN"];
const STAFF: readonly Role[] = ["ADMIN", "MODERATOR"];

/**
 * What admins (and, for USER accounts, moderators) do to other accounts. Every change runs in one
 * transaction with its events and its audit entry, re-reads actor and target there, and writes
 * the new profile through the cache after commit. A change that changes nothing writes nothing.
 */
export class UserAdminService {
  private readonly uow: UnitOfWork<AdminWork>;
  private readonly users: UserRepository;
  private readonly admin: UserAdminRepository;
  private readonly sessions: SessionService;
  private readonly audit: AuditRepository;
  private readonly erasure: UserErasureService;
  private readonly accounts: AccountCreator;
  private readonly lockout: Lockout;

  constructor(deps: {
    uow: UnitOfWork<AdminWork>;
    users: UserRepository;
    admin: UserAdminRepository;
    sessions: SessionService;
    audit: AuditRepository;
    erasure: UserErasureService;
    accounts: AccountCreator;
    lockout: Lockout;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.admin = deps.admin;
    this.sessions = deps.sessions;
    this.audit = deps.audit;
    this.erasure = deps.erasure;
    this.accounts = deps.accounts;
    this.lockout = deps.lockout;
  }

  async createUser(actor: UserProfile, input: AdminCreateUserInput, cause: Cause): Promise<UserProfile> {
    const role = input.role ?? "USER";
    const isVerified = input.isVerified ?? false;
    const account = await this.accounts.prepare({ ...input, role, isVerified });
    return this.uow.run(async (unit) => {
      await this.actorUnderLock(unit.tx, actor.id, ADMIN);
      const created = await this.accounts.insert(unit, account, cause);
      await this.audit.add(unit.tx, auditEntry(cause, "USER_CREATED", created.id, { role, isVerified }));
      unit.cacheProfile(created);
      return created;
    });
  }

  /** Any role change ends the target's sessions: their tokens carried the old role. */
  async setRole(actor: UserProfile, userId: string, role: Role, cause: Cause) {
    assertNotSelf(actor.id, userId, "You cannot change your own role.");
    return this.change(actor, ADMIN, userId, {
      check: async (tx, { profile }) => {
        if (role !== "ADMIN") await assertNotLastAdmin(this.admin, tx, profile, "demoted");
      },
      apply: async ({ tx, emit }, { profile }) => {
        if (profile.role === role) return profile;
        const updated = await this.users.update(tx, userId, { role });
        await emit(cause, userEvents.roleChanged(userId, profile.role, role, actor.id));
        await this.audit.add(
          tx,
          auditEntry(cause, "ROLE_CHANGED", userId, { oldRole: profile.role, newRole: role }),
        );
        await this.sessions.revokeAll(userId, "ROLE_CHANGED", cause);
        return updated;
      },
    });
  }

  /** Disabling ends every session at once; re-enabling lets the person log in again. */
  async setActive(actor: UserProfile, userId: string, active: boolean, cause: Cause) {
    assertNotSelf(
      actor.id,
      userId,
      active ? "You cannot re-enable your own account." : "You cannot disable your own account.",
    );
    return this.change(actor, STAFF, userId, {
      check: async (tx, { profile }, current) => {
        // The actor as re-read under the lock: a moderator demoted from ADMIN a moment ago is
        // judged as the moderator they now are.
        assertModeratorScope(current, profile);
        if (!active) await assertNotLastAdmin(this.admin, tx, profile, "disabled");
      },
      apply: async ({ tx, emit }, { profile }) => {
        if (profile.isActive === active) return profile;
        const updated = await this.users.update(tx, userId, { isActive: active });
        await emit(cause, userEvents.updated(updated, ["isActive"]));
        await this.audit.add(
          tx,
          auditEntry(cause, active ? "USER_ENABLED" : "USER_DISABLED", userId, {
            role: profile.role,
          }),
        );
        if (!active) await this.sessions.revokeAll(userId, "ACCOUNT_DISABLED", cause);
        return updated;
      },
    });
  }

  /** Clears a login lockout and the count of failed logins. */
  async unlock(actor: UserProfile, userId: string, cause: Cause) {
    return this.change(actor, ADMIN, userId, {
      apply: async ({ tx, emit }, { profile }) => {
        const { lockedUntil, failedAttempts } = await this.lockout.state(profile.email);
        if (lockedUntil === null && failedAttempts === 0) return profile;
        await emit(cause, userEvents.updated(profile, ["lockedUntil", "failedLoginAttempts"]));
        await this.audit.add(
          tx,
          auditEntry(cause, "USER_UNLOCKED", userId, {
            lockedUntil: lockedUntil?.toISOString() ?? null,
            failedLoginAttempts: failedAttempts,
          }),
        );
        // The lockout lives in Redis (auth/lockout.ts): cleared as the transaction's last step.
        await this.lockout.clear(profile.email);
        return profile;
      },
    });
  }

  /** Ends every session of the user; returns how many. Audited even when there were none. */
  async revokeSessions(actor: UserProfile, userId: string, cause: Cause): Promise<number> {
    const revoked = await this.uow.run(async ({ tx }) => {
      await this.actorUnderLock(tx, actor.id, ADMIN);
      if (!(await this.admin.findTarget(tx, userId))) throw errors.userNotFound();
      const ids = await this.sessions.revokeAll(userId, "REVOKED_BY_ADMIN", cause);
      await this.audit.add(tx, auditEntry(cause, "SESSIONS_REVOKED", userId, { count: ids.length }));
      return ids;
    });
    return revoked.length;
  }

  /**
   * Ends one session of the user. An id that is not one of theirs is SESSION_NOT_FOUND, as an
   * unknown one; audited with the session id.
   */
  async revokeSession(actor: UserProfile, userId: string, sessionId: string, cause: Cause): Promise<true> {
    await this.uow.run(async ({ tx }) => {
      await this.actorUnderLock(tx, actor.id, ADMIN);
      if (!(await this.admin.findTarget(tx, userId))) throw errors.userNotFound();
      if (!(await this.sessions.revoke(userId, sessionId, "REVOKED_BY_ADMIN", cause))) {
        throw errors.sessionNotFound();
      }
      await this.audit.add(tx, auditEntry(cause, "SESSION_REVOKED", userId, { sessionId }));
    });
    return true;
  }

  /** Erases the person (see UserErasureService), with the audit entry in the same transaction. */
  async deleteUser(actor: UserProfile, userId: string, cause: Cause): Promise<boolean> {
    assertNotSelf(actor.id, userId, "You cannot delete your own account here.");
    await this.erasure.erase(userId, cause, {
      inTransaction: async (tx, before) => {
        await assertActorStill(this.users, tx, actor.id, ADMIN);
        await this.audit.add(tx, auditEntry(cause, "USER_DELETED", userId, { role: before.role }));
      },
    });
    return true;
  }

  /**
   * Takes the admin-changes lock, then re-reads the actor under it: every admin operation starts
   * here, so no guard ever judges the actor as the request found them.
   */
  private async actorUnderLock(tx: Tx, actorId: string, roles: readonly Role[]): Promise<UserProfile> {
    await this.admin.lockAdminChanges(tx);
    return assertActorStill(this.users, tx, actorId, roles);
  }

  /**
   * Runs one change to `userId` under the admin-changes lock: re-reads the actor and the target
   * there, runs the guards (`check`) on both as they are now, lets `apply` write, commits, then
   * writes the result through the profile cache (queued on the unit: after the commit).
   */
  private async change(
    actor: UserProfile,
    roles: readonly Role[],
    userId: string,
    steps: {
      check?: (tx: Tx, target: AdminTarget, actor: UserProfile) => Promise<void>;
      apply: (unit: AdminWork, target: AdminTarget) => Promise<UserProfile>;
    },
  ): Promise<UserProfile> {
    return this.uow.run(async (unit) => {
      const current = await this.actorUnderLock(unit.tx, actor.id, roles);
      const target = await this.admin.findTarget(unit.tx, userId);
      if (!target) throw errors.userNotFound();
      await steps.check?.(unit.tx, target, current);
      const user = await steps.apply(unit, target);
      unit.cacheProfile(user);
      return user;
    });
  }
}
