import type { Database, Tx } from "../infra/prisma";
import type { AccountTokenPurpose } from "./account-token";

/** What the GDPR export shows of a token: never its hash. */
export interface AccountTokenRecord {
  purpose: AccountTokenPurpose;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** The only code that reads and writes the AccountToken table. */
export class AccountTokenRepository {
  private readonly db: Database;

  constructor(deps: {
    db: Database;
  }) {
    this.db = deps.db;
  }

  /**
   * Stores the hash of a new token for `purpose` in place of the user's earlier one, in one
   * statement on the unique (userId, purpose): however many requests race, one token per user
   * and purpose exists, so only the latest link works.
   */
  async replace(
    tx: Tx,
    userId: string,
    purpose: AccountTokenPurpose,
    tokenHash: string,
    expiresAt: Date,
  ): Promise<void> {
    await tx.accountToken.upsert({
      where: { userId_purpose: { userId, purpose } },
      create: { userId, purpose, tokenHash, expiresAt },
      update: { tokenHash, expiresAt, usedAt: null, createdAt: new Date() },
    });
  }

  /**
   * Marks the token used, in one statement, if it exists for `purpose`, is unused and has not
   * expired: two requests racing with one token cannot both win. Returns its user, or null.
   */
  async consume(tx: Tx, purpose: AccountTokenPurpose, tokenHash: string): Promise<string | null> {
    const now = new Date();
    const [used] = await tx.accountToken.updateManyAndReturn({
      where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
      select: { userId: true },
    });
    return used?.userId ?? null;
  }

  /** Whether `consume` would succeed now; lets a caller report a bad token before other problems. */
  async isUsable(purpose: AccountTokenPurpose, tokenHash: string): Promise<boolean> {
    const found = await this.db.accountToken.count({
      where: { tokenHash, purpose, usedAt: null, expiresAt: { gt: new Date() } },
    });
    return found > 0;
  }

  /** Deletes the user's tokens (of one purpose, or all), keeping none usable. */
  async deleteForUser(tx: Tx, userId: string, purpose?: AccountTokenPurpose): Promise<void> {
    await tx.accountToken.deleteMany({ where: { userId, ...(purpose && { purpose }) } });
  }

  listForUser(userId: string): Promise<AccountTokenRecord[]> {
    return this.db.accountToken.findMany({
      where: { userId },
      orderBy: { createdAt: "asc" },
      select: { purpose: true, createdAt: true, expiresAt: true, usedAt: true },
    });
  }
}
