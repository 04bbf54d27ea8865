import type { Database, Tx } from "../infra/prisma";
import type { PasswordHasher } from "./password.hasher";
import { passwordErrors } from "./password.errors";
import type { PasswordHistoryRepository } from "./password-history.repository";

/**
 * Password history (proposed PASSWORD_HISTORY_SIZE, default 5; 0 turns it off): a new password
 * may not be any of the user's last `size` passwords, the current one included. Earlier hashes
 * are kept only for this (size - 1 of them) and erased with the account. Each comparison is a
 * bcrypt compare on the hashing threads (auth/password.hasher.ts), all at once, never on the
 * event loop.
 */
export class PasswordHistory {
  private readonly history: PasswordHistoryRepository;
  private readonly hasher: Pick<PasswordHasher, "verify">;
  private readonly size: number;

  constructor(deps: {
    history: PasswordHistoryRepository;
    hasher: Pick<PasswordHasher, "verify">;
    size: number;
  }) {
    if (!Number.isInteger(deps.size) || deps.size < 0)
      throw new Error("password history size must be an integer ≥ 0");
    this.history = deps.history;
    this.hasher = deps.hasher;
    this.size = deps.size;
  }

  get enabled(): boolean {
    return this.size > 0;
  }

  /** Throws WEAK_PASSWORD (reason RECENTLY_USED) when `password` is one of the last `size`. */
  async assertNotRecent(
    userId: string,
    currentHash: string,
    password: string,
    field = "newPassword",
  ): Promise<void> {
    if (!this.enabled) return;
    const hashes = [currentHash, ...(await this.history.recent(userId, this.size - 1))];
    const matches = await Promise.all(hashes.map((hash) => this.hasher.verify(password, hash)));
    if (matches.some(Boolean)) throw passwordErrors.recentlyUsed(this.size, field);
  }

  /**
   * After a password change (in its transaction): remembers the hash it replaced, keeping
   * `size - 1`; with the history off, forgets what was kept before.
   */
  async remember(db: Database | Tx, userId: string, replacedHash: string): Promise<void> {
    await this.history.push(db, userId, replacedHash, Math.max(0, this.size - 1));
  }
}
