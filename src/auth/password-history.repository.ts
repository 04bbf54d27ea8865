import type { Database, Tx } from "../infra/prisma";

/** The only code that reads and writes the PasswordHistory table. */
export class PasswordHistoryRepository {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  /** The user's earlier password hashes, newest first, at most `take`. */
  async recent(userId: string, take: number): Promise<string[]> {
    if (take <= 0) return [];
    const rows = await this.db.passwordHistory.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      select: { passwordHash: true },
    });
    return rows.map((r) => r.passwordHash);
  }

  /** Adds `passwordHash` (the one being replaced) and keeps only the newest `keep` entries. */
  async push(db: Database | Tx, userId: string, passwordHash: string, keep: number): Promise<void> {
    if (keep > 0) await db.passwordHistory.create({ data: { userId, passwordHash } });
    await db.$executeRaw`
      DELETE FROM "PasswordHistory" WHERE "userId" = ${userId}::uuid AND id NOT IN (
        SELECT id FROM "PasswordHistory" WHERE "userId" = ${userId}::uuid
        ORDER BY "createdAt" DESC, id DESC LIMIT ${keep})`;
  }

  /** Erasure: every earlier hash of the user. */
  async removeAll(db: Database | Tx, userId: string): Promise<number> {
    const { count } = await db.passwordHistory.deleteMany({ where: { userId } });
    return count;
  }
}
