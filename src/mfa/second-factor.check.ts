import type { Lockout } from "../auth/lockout";
import { errors } from "../core/errors";
import type { RateLimits } from "../limits/rate-limits";
import type { Db } from "./factor.repository";
import type { SecondFactorProof, SecondFactorVerifier, VerifiedFactor } from "./second-factor.verifier";

/** How long a caller told "busy" should wait: a factor check takes well under a second. */
const IN_FLIGHT_RETRY_SECONDS = 1;

export type SecondFactorCheckResult =
  | { outcome: "locked"; lockedUntil: Date }
  | { outcome: "wrong"; reason: string; lockedUntil?: Date }
  | ({ outcome: "right" } & VerifiedFactor);

/**
 * A second factor checked the way auth/password-check.ts checks a password, sharing its count and
 * lock: the per-address limit (`loginFailuresPerAccount`), then the lockout's reserve, the factor,
 * and the lockout's settle. A wrong code is a wrong password for the lockout, so a stolen password
 * buys no unlimited guessing of codes, and a locked address refuses the second factor too.
 */
export class SecondFactorCheck {
  private readonly verifier: SecondFactorVerifier;
  private readonly lockout: Pick<Lockout, "reserve" | "settle">;
  private readonly limits: Pick<RateLimits, "consume" | "reset">;

  constructor(deps: {
    verifier: SecondFactorVerifier;
    lockout: Pick<Lockout, "reserve" | "settle">;
    limits: Pick<RateLimits, "consume" | "reset">;
  }) {
    this.verifier = deps.verifier;
    this.lockout = deps.lockout;
    this.limits = deps.limits;
  }

  /**
   * Checks `proof` for the user whose normalised address is `email`. Throws RATE_LIMITED
   * (retryable) when as many attempts as may still fail are already being checked.
   */
  async check(
    db: Db,
    account: { userId: string; email: string },
    proof: SecondFactorProof,
    purpose: "second-factor" | "reauthentication" = "second-factor",
  ): Promise<SecondFactorCheckResult> {
    await this.limits.consume("loginFailuresPerAccount", account.email);
    const reservation = await this.lockout.reserve(account.email);
    if (reservation.kind === "locked") return { outcome: "locked", lockedUntil: reservation.lockedUntil };
    if (reservation.kind === "busy") {
      throw errors.rateLimited("secondFactorAttemptsInFlight", IN_FLIGHT_RETRY_SECONDS);
    }
    // Should the verifier throw (a failure of ours, no guess), nothing is settled: a success
    // would clear the count; the reserved place lapses after the lockout's in-flight time.
    const verified = await this.verifier.verify(db, account.userId, proof, purpose);
    const settled = await this.lockout.settle(account.email, reservation.id, verified.ok);
    if (settled.kind === "locked") return { outcome: "locked", lockedUntil: settled.lockedUntil };
    if (!verified.ok) {
      return settled.kind === "counted"
        ? { outcome: "wrong", reason: verified.reason, lockedUntil: settled.lockedUntil }
        : { outcome: "wrong", reason: verified.reason };
    }
    await this.limits.reset("loginFailuresPerAccount", account.email);
    const { ok: _ok, ...factor } = verified;
    return { outcome: "right", ...factor };
  }
}
