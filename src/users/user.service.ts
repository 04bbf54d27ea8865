import type { Viewer } from "./viewer";
import type { Cause } from "../outbox/event.model";
import type { OutboxRepository } from "../outbox/outbox.repository";
import { userEvents } from "./user.events";
import type { Database } from "../infra/prisma";
import type { BusinessVerifier } from "./business-verification";
import type { UserCache } from "./user.cache";
import type { UserProfile } from "./user.model";
import type { UserRepository } from "./user.repository";
import { validateProfile, type ProfileChanges, type ProfileInput } from "./user.validation";

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * A user's own profile. The one service that does not write through the unit of work: a profile
 * change and its event are one statement (OutboxRepository.addWithChange), atomic on its own and
 * one round trip instead of a transaction's five; the cache is written after it, as a unit's
 * after-commit hook would.
 */
export class UserService {
  private readonly db: Database;
  private readonly users: UserRepository;
  private readonly outbox: OutboxRepository;
  private readonly cache: UserCache;
  private readonly business: BusinessVerifier;

  constructor(deps: {
    db: Database;
    users: UserRepository;
    outbox: OutboxRepository;
    cache: UserCache;
    business: BusinessVerifier;
  }) {
    this.db = deps.db;
    this.users = deps.users;
    this.outbox = deps.outbox;
    this.cache = deps.cache;
    this.business = deps.business;
  }

  /**
   * Changes only the fields given; an update that changes nothing writes nothing. A business
   * number is checked with the registry when it changes, or when it is given again while
   * UNVERIFIED (the registry was down last time).
   */
  async updateProfile(viewer: Viewer, input: ProfileInput, cause: Cause): Promise<UserProfile> {
    const current = viewer.user;
    const changes: ProfileChanges & Partial<UserProfile> = validateProfile(input);
    const number = changes.businessNumber;
    if (
      number !== undefined &&
      (number !== current.businessNumber || current.businessNumberStatus === "UNVERIFIED")
    ) {
      Object.assign(changes, await this.business.check(number));
    }
    const changed = (Object.keys(changes) as (keyof typeof changes)[]).filter(
      (field) => !same(changes[field], current[field]),
    );
    if (changed.length === 0) return current;
    // One statement: the update and its event commit together (or neither), in one round trip.
    // The event's email and name are the row's as committed, not the (possibly cached) viewer's.
    const [user] = await this.outbox.addWithChange<UserProfile>(
      this.db,
      this.users.updateStatement(current.id, changes),
      cause,
      userEvents.updated({ ...current, ...changes }, changed),
      { email: "email", name: "name" },
    );
    if (!user) throw new Error(`user ${current.id} vanished during updateProfile`);
    await this.cache.put(user);
    return user;
  }
}
