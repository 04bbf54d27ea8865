import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { errors } from "../core/errors";
import { amrOf } from "./amr";
import type { Db, MfaFactorRepository } from "./factor.repository";
import { mfaErrors, type SecondFactorMethod } from "./mfa.errors";
import type { RecoveryCodes } from "./recovery-codes";
import type { SecondFactorCheck } from "./second-factor.check";
import type { SecondFactorProof } from "./second-factor.verifier";
import type { SignInChallengeStore } from "./sign-in-challenge.store";
import type { PasskeyAuthentication } from "./webauthn.authentication";
import { challengeOf } from "./webauthn.relying-party";

/** What `login` answers (inside MFA_REQUIRED) instead of tokens. */
export interface PendingSignIn {
  token: string;
  methods: SecondFactorMethod[];
  expiresAt: Date;
  webauthn?: PublicKeyCredentialRequestOptionsJSON;
}

/** A completed second step: whom to sign in, and how (for `amr`, events and login history). */
export interface CompletedSignIn {
  userId: string;
  method: SecondFactorMethod;
  factorId?: string;
  amr: string[];
}

/**
 * The second step of signing in with a password, between a right password and a session:
 * `start` answers for an account with a verified factor (null: none, sign in as before), and
 * `complete` checks one second factor against the challenge. No session exists before `complete`
 * returns; the caller then checks the account as at login (active, not erased) and issues it.
 *
 * `complete` throws MFA_CHALLENGE_INVALID (unknown, expired, used up, completed by another
 * request), RATE_LIMITED (another attempt on the challenge is being checked: retry), ACCOUNT_LOCKED
 * or INVALID_SECOND_FACTOR. Of concurrent completions of one challenge exactly one returns; the
 * others are refused before their factor is checked, so none uses up a recovery code for nothing.
 */
export class MfaSignIn {
  private readonly challenges: SignInChallengeStore;
  private readonly factors: MfaFactorRepository;
  private readonly recoveryCodes: RecoveryCodes;
  private readonly passkeys: PasskeyAuthentication;
  private readonly check: SecondFactorCheck;
  private readonly emailOf: (userId: string) => Promise<string | null>;

  constructor(deps: {
    challenges: SignInChallengeStore;
    factors: MfaFactorRepository;
    recoveryCodes: RecoveryCodes;
    passkeys: PasskeyAuthentication;
    check: SecondFactorCheck;
    /** The normalised address of a live account (the lockout's key), null when there is none. */
    emailOf: (userId: string) => Promise<string | null>;
  }) {
    this.challenges = deps.challenges;
    this.factors = deps.factors;
    this.recoveryCodes = deps.recoveryCodes;
    this.passkeys = deps.passkeys;
    this.check = deps.check;
    this.emailOf = deps.emailOf;
  }

  /** The challenge for a user whose password was right, or null when they have no factor. */
  async start(userId: string): Promise<PendingSignIn | null> {
    const types = await this.factors.verifiedTypes(userId);
    if (types.length === 0) return null;
    const methods: SecondFactorMethod[] = [];
    if (types.includes("TOTP")) methods.push("totp");
    const webauthn = types.includes("WEBAUTHN")
      ? await this.passkeys.options({ purpose: "second-factor", userId })
      : null;
    if (webauthn) methods.push("webauthn");
    if ((await this.recoveryCodes.remaining(userId)) > 0) methods.push("recovery_code");
    const issued = await this.challenges.issue({ userId, methods, webauthnChallenge: webauthn?.challenge });
    return { ...issued, methods, ...(webauthn ? { webauthn } : {}) };
  }

  async complete(db: Db, token: string, proof: SecondFactorProof): Promise<CompletedSignIn> {
    const claim = await this.challenges.claim(token);
    if (claim.kind === "invalid") throw mfaErrors.mfaChallengeInvalid();
    if (claim.kind === "busy") throw errors.rateLimited("secondFactorInFlight", 1);
    const { challenge } = claim;
    let won = false;
    try {
      if (!challenge.methods.includes(proof.method)) throw mfaErrors.invalidSecondFactor("method");
      // A WebAuthn answer must answer this challenge's own ceremony, not one of another sign-in.
      if (proof.method === "webauthn" && challengeOf(proof.response) !== challenge.webauthnChallenge) {
        throw mfaErrors.invalidSecondFactor("webauthn");
      }
      const email = await this.emailOf(challenge.userId);
      if (!email) throw mfaErrors.mfaChallengeInvalid();
      const result = await this.check.check(db, { userId: challenge.userId, email }, proof);
      if (result.outcome === "locked") throw errors.accountLocked(result.lockedUntil);
      if (result.outcome === "wrong") {
        if (result.lockedUntil) throw errors.accountLocked(result.lockedUntil);
        throw mfaErrors.invalidSecondFactor(proof.method === "webauthn" ? "webauthn" : "code");
      }
      if ((await this.challenges.settle(challenge, true)) !== "won") throw mfaErrors.mfaChallengeInvalid();
      won = true;
      return {
        userId: challenge.userId,
        method: result.method,
        ...(result.factorId ? { factorId: result.factorId } : {}),
        amr: amrOf(["pwd", result.method], { userVerified: result.userVerified }),
      };
    } finally {
      if (!won) await this.challenges.settle(challenge, false);
    }
  }
}
