import { errors } from "../errors";
import type { RateLimits } from "../limits/rate-limits";
import { noAuthMetrics, type AuthMetrics } from "./auth.metrics";
import type { Lockout } from "./lockout";
import type { PasswordHasher } from "./password.hasher";

/** How a password check ended. */
export type PasswordCheckResult =
  /** Refused without hashing: the address is locked (or a concurrent attempt just locked it). */
  | { outcome: "locked"; lockedUntil: Date }
  /** Wrong; `lockedUntil` when this failure locked the address. */
  | { outcome: "wrong"; lockedUntil?: Date }
  | { outcome: "right" };

/**
 * The one path every operation that checks a password takes (login, changePassword,
 * deleteMyAccount; add any new one here, and to the test that walks them): the per-address rate
 * limit (`loginFailuresPerAccount`), then the lockout (auth/lockout.ts: the attempt is reserved
 * before the hash and the outcome settled after it), then bcrypt. All of them share one count
 * and one lock per address, so a stolen access token is no unlimited password oracle.
 */
export class PasswordCheck {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly lockout: Lockout,
    private readonly limits: RateLimits,
    private readonly metrics: AuthMetrics = noAuthMetrics,
  ) {}

  /**
   * Checks `password` against `passwordHash` for the address `email` (normalised). Without a
   * hash (no account) a dummy hash does the same work and never matches.
   */
  async check(email: string, password: string, passwordHash: string | undefined): Promise<PasswordCheckResult> {
    // Every attempt uses a point before it runs (concurrent guesses cannot overrun the limit);
    // a success gives them back.
    await this.limits.consume("loginFailuresPerAccount", email);
    const reservation = await this.lockout.reserve(email);
    if (reservation.kind === "locked") return { outcome: "locked", lockedUntil: reservation.lockedUntil };
    if (!(await this.hasher.verify(password, passwordHash))) {
      if (reservation.lockedUntil) this.metrics.accountLocked();
      return { outcome: "wrong", lockedUntil: reservation.lockedUntil };
    }
    const lockedMeanwhile = await this.lockout.succeed(email, reservation);
    if (lockedMeanwhile) return { outcome: "locked", lockedUntil: lockedMeanwhile };
    await this.limits.reset("loginFailuresPerAccount", email);
    return { outcome: "right" };
  }

  /** For operations that only need a yes: throws ACCOUNT_LOCKED or INVALID_CREDENTIALS. */
  async assert(email: string, password: string, passwordHash: string | undefined): Promise<void> {
    const result = await this.check(email, password, passwordHash);
    if (result.outcome === "right") return;
    if (result.lockedUntil) throw errors.accountLocked(result.lockedUntil);
    throw errors.invalidCredentials();
  }
}
