import { errors } from "../core/errors";
import type { RateLimits } from "../limits/rate-limits";
import { noAuthMetrics, type AuthMetrics } from "../observability/auth.metrics";
import type { Lockout } from "./lockout";
import type { PasswordHasher } from "./password.hasher";

/** A hash takes well under a second: by then an attempt in flight has settled. */
const IN_FLIGHT_RETRY_SECONDS = 1;

/** How a password check ended. */
export type PasswordCheckResult =
  /** Refused without hashing: the address is locked (or was locked while this one was hashed). */
  | { outcome: "locked"; lockedUntil: Date }
  /** Wrong; `lockedUntil` when this failure locked the address. */
  | { outcome: "wrong"; lockedUntil?: Date }
  | { outcome: "right" };

/**
 * The one path every operation that checks a password takes (login, changePassword,
 * deleteMyAccount; add any new one here, and to the test that walks them): the per-address rate
 * limit (`loginFailuresPerAccount`), then the lockout (auth/lockout.ts: the attempt is admitted
 * before the hash and its outcome settled after it), then bcrypt. All of them share one count
 * and one lock per address, so a stolen access token is no unlimited password oracle.
 */
export class PasswordCheck {
  private readonly hasher: PasswordHasher;
  private readonly lockout: Lockout;
  private readonly limits: RateLimits;
  private readonly metrics: AuthMetrics;

  constructor(deps: {
    hasher: PasswordHasher;
    lockout: Lockout;
    limits: RateLimits;
    metrics?: AuthMetrics;
  }) {
    this.hasher = deps.hasher;
    this.lockout = deps.lockout;
    this.limits = deps.limits;
    this.metrics = deps.metrics ?? noAuthMetrics;
  }

  /**
   * Checks `password` against `passwordHash` for the address `email` (normalised). Without a
   * hash (no account) a dummy hash does the same work and never matches. Throws RATE_LIMITED
   * (retry in a second) when as many attempts as may still fail are already being checked.
   */
  async check(
    email: string,
    password: string,
    passwordHash: string | undefined,
  ): Promise<PasswordCheckResult> {
    // Every attempt uses a point before it runs (concurrent guesses cannot overrun the limit);
    // a success gives them back.
    await this.limits.consume("loginFailuresPerAccount", email);
    const reservation = await this.lockout.reserve(email);
    if (reservation.kind === "locked") return { outcome: "locked", lockedUntil: reservation.lockedUntil };
    if (reservation.kind === "busy")
      throw errors.rateLimited("passwordAttemptsInFlight", IN_FLIGHT_RETRY_SECONDS);
    const right = await this.hasher.verify(password, passwordHash);
    const settled = await this.lockout.settle(email, reservation.id, right);
    if (settled.kind === "locked") return { outcome: "locked", lockedUntil: settled.lockedUntil };
    if (settled.kind === "counted") {
      if (settled.lockedUntil) this.metrics.accountLocked();
      return { outcome: "wrong", lockedUntil: settled.lockedUntil };
    }
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
