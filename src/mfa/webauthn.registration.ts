import { randomBytes } from "node:crypto";
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { Db, FactorSummary, MfaFactorRepository } from "./factor.repository";
import type { WebAuthnCeremonyStore } from "./webauthn-ceremony.store";
import { challengeOf, type PasskeyDeps, type RelyingParty } from "./webauthn.relying-party";

/** ES256 first (every platform authenticator), then EdDSA and RS256 (Windows Hello). */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export type RegistrationResult =
  | { ok: true; factor: FactorSummary }
  | { ok: false; reason: "challenge" | "verification" };

/**
 * Registering passkeys and security keys: creation options for the signed-in user (their existing
 * credentials excluded, a discoverable credential preferred so it can sign in without a password
 * later) and verification of the authenticator's answer. Attestation is not asked for ("none"):
 * the gateway trusts the user's choice of authenticator, as consumer passkey sites do.
 */
export class PasskeyRegistration {
  private readonly factors: MfaFactorRepository;
  private readonly ceremonies: WebAuthnCeremonyStore;
  private readonly rp: RelyingParty;

  constructor(deps: PasskeyDeps) {
    ({ factors: this.factors, ceremonies: this.ceremonies, rp: this.rp } = deps);
  }

  /** Options for navigator.credentials.create(), valid for one answer until the ceremony expires. */
  async options(user: {
    id: string;
    name: string;
    displayName: string;
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const userHandle = (await this.factors.userHandle(user.id)) ?? randomBytes(32).toString("base64url");
    const existing = await this.factors.credentials(user.id);
    const challenge = await this.ceremonies.create({ purpose: "registration", userId: user.id, userHandle });
    return generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      userName: user.name,
      userDisplayName: user.displayName,
      userID: new Uint8Array(Buffer.from(userHandle, "base64url")),
      // Bytes: a string would be taken as UTF-8 text and encoded once more.
      challenge: new Uint8Array(Buffer.from(challenge, "base64url")),
      timeout: this.ceremonies.timeoutMs,
      attestationType: "none",
      excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  }

  /**
   * Verifies the answer to options issued to `userId` and stores the credential under
   * `friendlyName`. The challenge is used up whatever the outcome. Throws FactorNameTakenError or
   * CredentialTakenError (the repository's) for a name or credential already registered.
   */
  async verify(
    db: Db,
    input: { userId: string; friendlyName: string; response: RegistrationResponseJSON },
  ): Promise<RegistrationResult> {
    const challenge = challengeOf(input.response);
    const ceremony = challenge && (await this.ceremonies.consume(challenge));
    if (
      !ceremony ||
      ceremony.purpose !== "registration" ||
      ceremony.userId !== input.userId ||
      !ceremony.userHandle
    ) {
      return { ok: false, reason: "challenge" };
    }
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.id,
        // A security key without a PIN is a fine second factor; sign-in decides what UV means.
        requireUserVerification: false,
        supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
      });
    } catch {
      return { ok: false, reason: "verification" };
    }
    if (!verification.verified) return { ok: false, reason: "verification" };
    const info = verification.registrationInfo;
    const factor = await this.factors.createWebAuthn(db, {
      userId: input.userId,
      friendlyName: input.friendlyName,
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      signCount: info.credential.counter,
      transports: info.credential.transports ?? input.response.response.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      userHandle: ceremony.userHandle,
    });
    return { ok: true, factor };
  }
}
