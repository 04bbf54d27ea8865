import { Prisma } from "../generated/prisma/client";
import type { Database, Tx } from "../infra/prisma";
import { PROFILE_SELECT, type Role, type UserProfile } from "./user.model";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUID columns: anything else can name no user (and must not reach SQL as a uuid). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Key of the transaction-scoped advisory lock that every change which may lower the number of
 * active admins takes first, so two such changes never both see "another admin is left".
 */
export const ADMIN_CHANGES_LOCK = 0x41_45_47_01; // "AEG" + 1

export interface UserListFilter {
  role?: Role | null;
  isActive?: boolean | null;
  isVerified?: boolean | null;
  search?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export type UserOrderField = "CREATED_AT" | "EMAIL" | "NAME";
export type SortDirection = "ASC" | "DESC";
export interface UserOrder {
  field: UserOrderField;
  direction: SortDirection;
}

/** Where a page continues: the sort value and id of the last row of the previous page. */
export interface UserKey {
  value: string;
  id: string;
}

const COLUMNS = { CREATED_AT: "createdAt", EMAIL: "email", NAME: "name" } as const;

/** A user as an admin change sees it. */
export interface AdminTarget {
  id: string;
  profile: UserProfile;
  deletedAt: Date | null;
}

/** Admin reads and writes of User: the user list, guards' locks, erasure. */
export class UserAdminRepository {
  private readonly db: Database;

  constructor(deps: {
    db: Database;
  }) {
    this.db = deps.db;
  }

  /** The sort value a cursor carries for `row`. */
  static sortValue(row: UserProfile, field: UserOrderField): string {
    return field === "CREATED_AT" ? row.createdAt.toISOString() : row[COLUMNS[field]];
  }

  /** Up to `take` users after `after` in `order` (ties broken by id); erased accounts never. */
  async list(
    filter: UserListFilter,
    order: UserOrder,
    after: UserKey | undefined,
    take: number,
  ): Promise<UserProfile[]> {
    const column = COLUMNS[order.field];
    const direction = order.direction === "ASC" ? "asc" : "desc";
    const where: Prisma.UserWhereInput[] = [this.where(filter)];
    if (after) {
      const op = order.direction === "ASC" ? "gt" : "lt";
      const value = order.field === "CREATED_AT" ? new Date(after.value) : after.value;
      where.push({
        OR: [{ [column]: { [op]: value } }, { [column]: value, id: { [op]: after.id } }],
      });
    }
    return this.db.user.findMany({
      where: { AND: where },
      orderBy: [{ [column]: direction }, { id: direction }],
      take,
      select: PROFILE_SELECT,
    });
  }

  count(filter: UserListFilter): Promise<number> {
    return this.db.user.count({ where: this.where(filter) });
  }

  /** A user as an admin change sees it, read inside the change's transaction; null if erased. */
  async findTarget(tx: Tx, id: string): Promise<AdminTarget | null> {
    if (!isUuid(id)) return null;
    const row = await tx.user.findUnique({
      where: { id },
      select: { ...PROFILE_SELECT, deletedAt: true },
    });
    if (!row || row.deletedAt) return null;
    const { deletedAt, ...profile } = row;
    return { id, profile, deletedAt };
  }

  /** Waits for, then holds until commit, the lock of changes that may remove an admin. */
  async lockAdminChanges(tx: Tx): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMIN_CHANGES_LOCK}::bigint)`;
  }

  countActiveAdmins(tx: Tx): Promise<number> {
    return tx.user.count({ where: { role: "ADMIN", isActive: true, deletedAt: null } });
  }

  private where(filter: UserListFilter): Prisma.UserWhereInput {
    // `contains` becomes LIKE: escape its wildcards so the text is matched literally.
    const search = filter.search?.trim().replace(/[\\%_]/g, "\\$&");
    const createdAt: Prisma.DateTimeFilter = {};
    if (filter.createdAfter) createdAt.gte = filter.createdAfter;
    if (filter.createdBefore) createdAt.lt = filter.createdBefore;
    return {
      deletedAt: null,
      ...(filter.role && { role: filter.role }),
      ...(typeof filter.isActive === "boolean" && { isActive: filter.isActive }),
      ...(typeof filter.isVerified === "boolean" && { isVerified: filter.isVerified }),
      ...(Object.keys(createdAt).length > 0 && { createdAt }),
      ...(search && {
        OR: [
          { email: { contains: search, mode: "insensitive" } },
          { name: { contains: search, mode: "insensitive" } },
        ],
      }),
    };
  }
}
