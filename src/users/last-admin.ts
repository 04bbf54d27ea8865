import { errors } from "../core/errors";
import type { Tx } from "../infra/prisma";
import type { UserAdminRepository } from "./user-admin.repository";
import type { UserProfile } from "./user.model";

/**
 * The last-admin invariant, in one place for admin/ (demote, disable) and users/ (erasure).
 * Refuses to demote, disable or delete the last active ADMIN. Callers hold
 * `lockAdminChanges` first, so two such changes cannot both count the other admin.
 */
export async function assertNotLastAdmin(
  repository: UserAdminRepository,
  tx: Tx,
  target: UserProfile,
  change: "demoted" | "disabled" | "deleted",
): Promise<void> {
  if (target.role !== "ADMIN" || !target.isActive) return;
  if ((await repository.countActiveAdmins(tx)) <= 1) {
    throw errors.guardForbidden("LAST_ADMIN", `The last active ADMIN cannot be ${change}.`);
  }
}
