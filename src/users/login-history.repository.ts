import type { Database, Tx } from "../infra/prisma";

export interface LoginAttempt {
  userId: string | null;
  email: string;
  ipAddress?: string;
  userAgent?: string;
  success: boolean;
  failureReason?: string;
}

/** The only code that reads and writes the LoginHistory table. */
export class LoginHistoryRepository {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  /** A refused attempt, recorded on its own: a refusal rolls nothing back. */
  async record(attempt: LoginAttempt): Promise<void> {
    await this.db.loginHistory.create({ data: attempt });
  }

  /** An attempt recorded in the transaction of the sign-in it belongs to. */
  async recordIn(tx: Tx, attempt: LoginAttempt): Promise<void> {
    await tx.loginHistory.create({ data: attempt });
  }

  /**
   * An account's login history: its own rows only. Attempts that named the address before the
   * account existed were made by someone else (their IP and User-Agent are theirs, not the new
   * holder's), so they are not the account's to see.
   */
  ofUser(userId: string) {
    return this.db.loginHistory.findMany({
      where: { userId },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: {
        email: true,
        ipAddress: true,
        userAgent: true,
        success: true,
        failureReason: true,
        createdAt: true,
      },
    });
  }

  /** One page of an account's login history, newest first, after the keyset `after`. */
  page(userId: string, after: { createdAt: string; id: string } | undefined, take: number) {
    const createdAt = after && new Date(after.createdAt);
    return this.db.loginHistory.findMany({
      where: {
        userId,
        ...(after && { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: after.id } }] }),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      select: {
        id: true,
        email: true,
        ipAddress: true,
        userAgent: true,
        success: true,
        failureReason: true,
        createdAt: true,
      },
    });
  }

  /** Login history of a person (erasure): their rows, and attempts that named their email before. */
  async erase(tx: Tx, userId: string, email: string): Promise<number> {
    const { count } = await tx.loginHistory.deleteMany({
      where: { OR: [{ userId }, { email }] },
    });
    return count;
  }
}
