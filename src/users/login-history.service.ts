import { z } from "zod";
import { decodeCursor, encodeCursor, pageSize, toConnection } from "../core/paging";
import type { LoginHistoryRepository } from "./login-history.repository";

const cursorSchema = z.object({ createdAt: z.string().datetime(), id: z.string().uuid() });

export const LOGIN_HISTORY_PAGE_DEFAULT = 20;

/** An account's login history, newest first, a page at a time (who may read it: permissions). */
export class LoginHistoryService {
  private readonly loginHistory: LoginHistoryRepository;

  constructor(deps: { loginHistory: LoginHistoryRepository }) {
    this.loginHistory = deps.loginHistory;
  }

  async page(userId: string, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first, LOGIN_HISTORY_PAGE_DEFAULT);
    const key = after ? decodeCursor(after, cursorSchema) : undefined;
    const rows = await this.loginHistory.page(userId, key, size + 1);
    return toConnection(
      rows,
      size,
      (row) => encodeCursor({ createdAt: row.createdAt.toISOString(), id: row.id }),
      Boolean(after),
    );
  }
}
