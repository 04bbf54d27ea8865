import DataLoader from "dataloader";
import type { UserProfile } from "./user.model";
import type { UserRepository } from "./user.repository";

/** Per-request DataLoaders: built for every request, so nothing is cached across callers. */
export interface Loaders {
  /** Users by id, many ids in one SQL statement; `null` for an unknown id. */
  userById: DataLoader<string, UserProfile | null>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createLoaders(repositories: { users: UserRepository }): Loaders {
  return {
    userById: new DataLoader(async (ids) => {
      // Ids come from clients (federation representations): one that is not a UUID is unknown,
      // and must not reach PostgreSQL, which would refuse the whole statement.
      const valid = ids.filter((id) => UUID.test(id));
      const users = valid.length > 0 ? await repositories.users.findManyByIds(valid) : [];
      const byId = new Map(users.map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
