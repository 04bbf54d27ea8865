import type { Prisma } from "../generated/prisma/client";
import type { Database, Tx } from "../infra/prisma";
import type { AuditAction, AuditDetails, AuditRecord, NewAuditEntry } from "./audit.model";

export interface AuditFilter {
  actorId?: string | null;
  targetId?: string | null;
  action?: AuditAction | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** Where a page continues: the last entry of the previous page (newest first). */
export interface AuditKey {
  createdAt: string;
  id: string;
}

/** The only code that reads and writes the AuditEntry table. */
export class AuditRepository {
  private readonly db: Database;

  constructor(deps: {
    db: Database;
  }) {
    this.db = deps.db;
  }

  /** Always inside the transaction of the change it records: both commit, or neither. */
  async add(tx: Tx, entry: NewAuditEntry): Promise<void> {
    await tx.auditEntry.create({ data: entry });
  }

  /** Up to `take` entries, newest first, after `after`. */
  async list(filter: AuditFilter, after: AuditKey | undefined, take: number): Promise<AuditRecord[]> {
    const where: Prisma.AuditEntryWhereInput[] = [this.where(filter)];
    if (after) {
      const createdAt = new Date(after.createdAt);
      where.push({
        OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: after.id } }],
      });
    }
    const rows = await this.db.auditEntry.findMany({
      where: { AND: where },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
    });
    return rows.map((row) => ({
      ...row,
      action: row.action as AuditAction,
      details: row.details as AuditDetails,
    }));
  }

  /** Every entry that names the user as actor or target, oldest first (the GDPR export). */
  async concerning(userId: string): Promise<AuditRecord[]> {
    const rows = await this.db.auditEntry.findMany({
      where: { OR: [{ actorId: userId }, { targetId: userId }] },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map((row) => ({
      ...row,
      action: row.action as AuditAction,
      details: row.details as AuditDetails,
    }));
  }

  private where(filter: AuditFilter): Prisma.AuditEntryWhereInput {
    const createdAt: Prisma.DateTimeFilter = {};
    if (filter.createdAfter) createdAt.gte = filter.createdAfter;
    if (filter.createdBefore) createdAt.lt = filter.createdBefore;
    return {
      ...(filter.actorId && { actorId: filter.actorId }),
      ...(filter.targetId && { targetId: filter.targetId }),
      ...(filter.action && { action: filter.action }),
      ...(Object.keys(createdAt).length > 0 && { createdAt }),
    };
  }
}
