import { z } from "zod";
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from "../core/paging";
import { UserAdminRepository, type UserListFilter, type UserOrder } from "../users/user-admin.repository";
import type { UserProfile } from "../users/user.model";

export const USERS_PAGE_DEFAULT = 20;
const DEFAULT_ORDER: UserOrder = { field: "CREATED_AT", direction: "DESC" };

// A cursor remembers the order it was made for: continuing it in another order would skip rows.
const cursorSchema = z.object({
  f: z.enum(["CREATED_AT", "EMAIL", "NAME"]),
  d: z.enum(["ASC", "DESC"]),
  v: z.string(),
  id: z.string().uuid(),
});

/** Finding users, for ADMIN and MODERATOR. */
export class UserDirectoryService {
  private readonly admin: UserAdminRepository;

  constructor(deps: {
    admin: UserAdminRepository;
  }) {
    this.admin = deps.admin;
  }

  async list(args: {
    filter?: UserListFilter | null;
    first?: number | null;
    after?: string | null;
    orderBy?: Partial<UserOrder> | null;
  }): Promise<Connection<UserProfile> & { totalCount: number }> {
    const size = pageSize(args.first, USERS_PAGE_DEFAULT);
    const order: UserOrder = {
      field: args.orderBy?.field ?? DEFAULT_ORDER.field,
      direction: args.orderBy?.direction ?? DEFAULT_ORDER.direction,
    };
    let key: { value: string; id: string } | undefined;
    if (args.after) {
      const cursor = decodeCursor(
        args.after,
        cursorSchema.refine((c) => c.f === order.field && c.d === order.direction),
      );
      key = { value: cursor.v, id: cursor.id };
    }
    const filter = args.filter ?? {};
    const [rows, totalCount] = await Promise.all([
      this.admin.list(filter, order, key, size + 1),
      this.admin.count(filter),
    ]);
    const cursorOf = (row: UserProfile) =>
      encodeCursor({
        f: order.field,
        d: order.direction,
        v: UserAdminRepository.sortValue(row, order.field),
        id: row.id,
      });
    return { ...toConnection(rows, size, cursorOf, Boolean(args.after)), totalCount };
  }
}
