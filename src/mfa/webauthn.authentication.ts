import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import type { Db, MfaFactorRepository } from "./factor.repository";
import type { CeremonyPurpose, WebAuthnCeremonyStore } from "./webauthn-ceremony.store";
import { challengeOf, type PasskeyDeps, type RelyingParty } from "./webauthn.relying-party";

/** Who an assertion is expected from: a known user (second factor, step-up) or anyone (passwordless). */
export type AssertionExpectation =
  | { purpose: "second-factor" | "reauthentication"; userId: string }
  | { purpose: "passwordless" };

export type AssertionResult =
  | { ok: true; userId: string; factorId: string; userVerified: boolean }
  | {
      ok: false;
      /** For logs and tests only: a client is told INVALID_SECOND_FACTOR whatever it was. */
      reason: "challenge" | "unknown-credential" | "other-user" | "user-handle" | "verification" | "counter";
    };

/**
 * Signing in with passkeys and security keys: request options, and verification of an assertion
 * against the stored credential. Three uses, one check each:
 * - second factor (and step-up): options list the user's credentials; the assertion must come from
 *   one of them; user verification is not required (the password was the first factor);
 * - passwordless: options list nothing (the browser offers the discoverable credentials it has);
 *   the credential names the user, and the user handle the authenticator returns must be the
 *   one stored with it. Whether the user was verified (PIN, biometrics) is returned: the caller
 *   decides what a sign-in without it may do.
 * The challenge is single-use (WebAuthnCeremonyStore); the counter must move forward where the
 * authenticator keeps one, decided by a conditional UPDATE, so a cloned authenticator's assertion
 * or a concurrent replay of one assertion is refused.
 */
export class PasskeyAuthentication {
  private readonly factors: MfaFactorRepository;
  private readonly ceremonies: WebAuthnCeremonyStore;
  private readonly rp: RelyingParty;

  constructor(deps: PasskeyDeps) {
    ({ factors: this.factors, ceremonies: this.ceremonies, rp: this.rp } = deps);
  }

  /** Options for navigator.credentials.get(); null when a named user has no passkey. */
  async options(expectation: AssertionExpectation): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
    const credentials =
      expectation.purpose === "passwordless" ? [] : await this.factors.credentials(expectation.userId);
    if (expectation.purpose !== "passwordless" && credentials.length === 0) return null;
    const challenge = await this.ceremonies.create(
      expectation.purpose === "passwordless"
        ? { purpose: "passwordless" }
        : { purpose: expectation.purpose, userId: expectation.userId },
    );
    return generateAuthenticationOptions({
      rpID: this.rp.id,
      // Bytes: a string would be taken as UTF-8 text and encoded once more.
      challenge: new Uint8Array(Buffer.from(challenge, "base64url")),
      timeout: this.ceremonies.timeoutMs,
      allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: c.transports })),
      userVerification: expectation.purpose === "passwordless" ? "preferred" : "discouraged",
    });
  }

  async verify(
    db: Db,
    response: AuthenticationResponseJSON,
    expected: AssertionExpectation,
  ): Promise<AssertionResult> {
    const challenge = challengeOf(response);
    const ceremony = challenge && (await this.ceremonies.consume(challenge));
    if (!ceremony || !matches(ceremony, expected)) return { ok: false, reason: "challenge" };
    if (typeof response.id !== "string" || response.id !== response.rawId)
      return { ok: false, reason: "unknown-credential" };
    const credential = await this.factors.findCredential(response.id);
    if (!credential) return { ok: false, reason: "unknown-credential" };
    if (expected.purpose === "passwordless") {
      if (response.response.userHandle !== credential.userHandle) return { ok: false, reason: "user-handle" };
    } else if (credential.userId !== expected.userId) {
      return { ok: false, reason: "other-user" };
    }
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.id,
        credential: {
          id: credential.credentialId,
          publicKey: credential.publicKey,
          counter: credential.signCount,
          transports: credential.transports,
        },
        requireUserVerification: false,
      });
    } catch (error) {
      // The library refuses a counter that did not move forward with this message.
      const counter = error instanceof Error && /counter value/i.test(error.message);
      return { ok: false, reason: counter ? "counter" : "verification" };
    }
    if (!verification.verified) return { ok: false, reason: "verification" };
    const { newCounter, credentialBackedUp, userVerified } = verification.authenticationInfo;
    const used = await this.factors.useCredential(db, credential.id, {
      signCount: newCounter,
      backedUp: credentialBackedUp,
    });
    if (!used) return { ok: false, reason: "counter" };
    return { ok: true, userId: credential.userId, factorId: credential.id, userVerified };
  }
}

function matches(
  ceremony: { purpose: CeremonyPurpose; userId?: string },
  expected: AssertionExpectation,
): boolean {
  if (ceremony.purpose !== expected.purpose) return false;
  return expected.purpose === "passwordless" || ceremony.userId === expected.userId;
}
