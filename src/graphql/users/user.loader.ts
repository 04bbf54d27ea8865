import DataLoader from "dataloader";
import type { Lockout, LockoutState } from "../../auth/lockout";
import { isUuid, type UserAdminRepository } from "../../users/user-admin.repository";
import type { UserProfile } from "../../users/user.model";
import type { UserRepository } from "../../users/user.repository";

/** What the loaders read from. */
export interface LoaderSources {
  users: UserRepository;
  userAdmin: UserAdminRepository;
  lockout: Lockout;
}

/** Rows by id in the order of `ids`, null where there is none: DataLoader's contract. */
function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

/**
 * Per-request batching: every `load` in one tick becomes one SQL statement. Build a fresh set for
 * every HTTP request and every WebSocket operation, never share one: a loader caches what it read
 * for its whole life, and it must not serve one caller's reads to another or outlive a change.
 */
export function createLoaders(sources: LoaderSources) {
  return {
    /** Profiles by id (AuditEntry.actor/target, user(id)); erased accounts come anonymised. */
    users: new DataLoader<string, UserProfile | null>(async (ids) =>
      byId(ids, await sources.users.findManyByIds(ids.filter(isUuid))),
    ),
    /** Lockout state by (normalised) e-mail address (User.lockedUntil): one Redis round trip. */
    lockouts: new DataLoader<string, LockoutState>((emails) => sources.lockout.states(emails)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** After a change in this request, later reads in it see the new state. */
export function refreshLoaded(loaders: Loaders, user: UserProfile): void {
  loaders.users.clear(user.id).prime(user.id, user);
  loaders.lockouts.clear(user.email);
}
