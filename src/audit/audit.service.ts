import { z } from "zod";
import { errors } from "../core/errors";
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from "../core/paging";
import { isUuid } from "../users/user-admin.repository";
import type { AuditRecord } from "./audit.model";
import type { AuditFilter, AuditRepository } from "./audit.repository";

const cursorSchema = z.object({ createdAt: z.string().datetime(), id: z.string().uuid() });

export const AUDIT_PAGE_DEFAULT = 50;

/** Reading the audit log: newest first, a page at a time. */
export class AuditLogService {
  private readonly audit: AuditRepository;

  constructor(deps: {
    audit: AuditRepository;
  }) {
    this.audit = deps.audit;
  }

  async page(
    filter: AuditFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Connection<AuditRecord>> {
    const size = pageSize(first, AUDIT_PAGE_DEFAULT);
    const problems: Record<string, string> = {};
    for (const field of ["actorId", "targetId"] as const) {
      const id = filter[field];
      if (id && !isUuid(id)) problems[`filter.${field}`] = "is not a user id";
    }
    if (Object.keys(problems).length > 0) throw errors.badUserInput(problems);
    const key = after ? decodeCursor(after, cursorSchema) : undefined;
    const rows = await this.audit.list(filter, key, size + 1);
    return toConnection(
      rows,
      size,
      (row) => encodeCursor({ createdAt: row.createdAt.toISOString(), id: row.id }),
      Boolean(after),
    );
  }
}
