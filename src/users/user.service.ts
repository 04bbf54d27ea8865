import type { Viewer } from "../auth/viewer";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { userEvents } from "../events/user.events";
import type { Database } from "../infra/prisma";
import type { UserCache } from "./user.cache";
import type { UserProfile } from "./user.model";
import type { UserRepository } from "./user.repository";
import { validateProfile, type ProfileInput } from "./user.validation";

/** A user's own profile. */
export class UserService {
  constructor(
    private readonly db: Database,
    private readonly users: UserRepository,
    private readonly cache: UserCache,
    private readonly outbox: OutboxRepository,
  ) {}

  /** Changes only the fields given; an update that changes nothing writes nothing. */
  async updateProfile(viewer: Viewer, input: ProfileInput, cause: Cause): Promise<UserProfile> {
    const changes = validateProfile(input);
    const current = viewer.user;
    const changed = (Object.keys(changes) as (keyof typeof changes)[]).filter(
      (field) => changes[field] !== current[field],
    );
    if (changed.length === 0) return current;
    const user = await this.db.$transaction(async (tx) => {
      const updated = await this.users.update(tx, current.id, changes);
      await this.outbox.add(tx, cause, userEvents.updated(updated, changed));
      return updated;
    });
    await this.cache.put(user);
    return user;
  }
}
