import { errors } from "../core/errors";
import type { Tx } from "../infra/prisma";
import type { Role, UserProfile } from "../users/user.model";
import type { UserRepository } from "../users/user.repository";

/**
 * The rules of admin changes that the permission table cannot express, because they depend on
 * the target or on the state of the database. Each runs inside the change's transaction.
 */

export function assertNotSelf(actorId: string, targetId: string, message: string): void {
  if (actorId === targetId) throw errors.guardForbidden("SELF_CHANGE", message);
}

/** A MODERATOR may act only on USER accounts. */
export function assertModeratorScope(actor: UserProfile, target: UserProfile): void {
  if (actor.role === "MODERATOR" && target.role !== "USER") {
    throw errors.guardForbidden(
      "MODERATOR_SCOPE",
      "A MODERATOR may only disable or re-enable USER accounts.",
    );
  }
}

/**
 * Re-reads the actor in the transaction, under the admin-changes lock: permissions were checked
 * against the profile cached when the request started, and a concurrent change may have demoted
 * or disabled them since. Returns the actor as they are now: every other guard must judge this
 * profile, never the one the request started with.
 */
export async function assertActorStill(
  users: UserRepository,
  tx: Tx,
  actorId: string,
  roles: readonly Role[],
): Promise<UserProfile> {
  const actor = await users.findByIdIn(tx, actorId);
  if (!actor?.isActive || !roles.includes(actor.role)) {
    throw errors.guardForbidden("ACTOR_CHANGED", "Your role or account changed; sign in again.");
  }
  return actor;
}
