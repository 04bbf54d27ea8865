import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Db } from "./factor.repository";
import type { SecondFactorMethod } from "./mfa.errors";
import type { RecoveryCodes } from "./recovery-codes";
import type { TotpFactors } from "./totp";
import type { PasskeyAuthentication } from "./webauthn.authentication";

/** What a client presents as its second factor. */
export type SecondFactorProof =
  | { method: "totp"; code: string }
  | { method: "recovery_code"; code: string }
  | { method: "webauthn"; response: AuthenticationResponseJSON };

export type VerifiedFactor = {
  method: SecondFactorMethod;
  /** The factor proven; none for a recovery code. */
  factorId?: string;
  /** WebAuthn: the authenticator verified the user (PIN, biometrics). */
  userVerified?: boolean;
};

export type VerifierResult = ({ ok: true } & VerifiedFactor) | { ok: false; reason: string };

/**
 * Checks one proof of a second factor of `userId`, whichever kind it is, using it up when it is
 * right (a TOTP step, a recovery code, a WebAuthn challenge and counter). Counting failures and
 * locking is SecondFactorCheck's job; deciding what the proof unlocks is the caller's.
 */
export class SecondFactorVerifier {
  private readonly totp: TotpFactors;
  private readonly recoveryCodes: RecoveryCodes;
  private readonly passkeys: PasskeyAuthentication;

  constructor(deps: { totp: TotpFactors; recoveryCodes: RecoveryCodes; passkeys: PasskeyAuthentication }) {
    this.totp = deps.totp;
    this.recoveryCodes = deps.recoveryCodes;
    this.passkeys = deps.passkeys;
  }

  async verify(
    db: Db,
    userId: string,
    proof: SecondFactorProof,
    purpose: "second-factor" | "reauthentication" = "second-factor",
    now = Date.now(),
  ): Promise<VerifierResult> {
    switch (proof.method) {
      case "totp": {
        const factorId = await this.totp.verify(db, userId, proof.code, now);
        return factorId ? { ok: true, method: "totp", factorId } : { ok: false, reason: "totp" };
      }
      case "recovery_code":
        return (await this.recoveryCodes.consume(db, userId, proof.code, new Date(now)))
          ? { ok: true, method: "recovery_code" }
          : { ok: false, reason: "recovery_code" };
      case "webauthn": {
        const result = await this.passkeys.verify(db, proof.response, { purpose, userId });
        return result.ok
          ? { ok: true, method: "webauthn", factorId: result.factorId, userVerified: result.userVerified }
          : { ok: false, reason: `webauthn:${result.reason}` };
      }
      default:
        return { ok: false, reason: "method" };
    }
  }
}
