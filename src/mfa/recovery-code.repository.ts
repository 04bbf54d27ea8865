import type { Database } from "../infra/prisma";
import type { Db } from "./factor.repository";

/** The only code that reads and writes the RecoveryCode table. */
export class RecoveryCodeRepository {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  /** The user's set becomes exactly `hashes`: the old set is gone in the same transaction. */
  async replace(db: Db, userId: string, keyId: string, hashes: readonly string[]): Promise<void> {
    const write = async (tx: Db) => {
      await tx.recoveryCode.deleteMany({ where: { userId } });
      await tx.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, keyId, codeHash })) });
    };
    await ("$transaction" in db ? db.$transaction(write) : write(db));
  }

  /**
   * Marks the unused code whose hash is one of `candidates` used, in one statement: of any number
   * of concurrent uses of one code, exactly one is true.
   */
  async use(db: Db, userId: string, candidates: readonly string[], now: Date): Promise<boolean> {
    const { count } = await db.recoveryCode.updateMany({
      where: { userId, codeHash: { in: [...candidates] }, usedAt: null },
      data: { usedAt: now },
    });
    return count === 1;
  }

  async countUnused(userId: string): Promise<number> {
    return this.db.recoveryCode.count({ where: { userId, usedAt: null } });
  }

  /** How many unused codes each key still protects (for key rotation: a key in use stays). */
  async countByKey(): Promise<Record<string, number>> {
    const groups = await this.db.recoveryCode.groupBy({
      by: ["keyId"],
      where: { usedAt: null },
      _count: true,
    });
    return Object.fromEntries(groups.map((g) => [g.keyId, g._count]));
  }

  async removeAll(db: Db, userId: string): Promise<number> {
    const { count } = await db.recoveryCode.deleteMany({ where: { userId } });
    return count;
  }
}
