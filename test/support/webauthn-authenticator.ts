import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { encodeCbor, type CborValue } from "./cbor";

/** Authenticator data flags (WebAuthn §6.1). */
const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

interface StoredCredential {
  id: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  rpId: string;
  userHandle: string;
  signCount: number;
}

export interface AuthenticatorOptions {
  /** The page origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** false: the authenticator keeps no counter and always reports 0 (as synced passkeys do). */
  counter?: boolean;
  /** Whether it verifies the user (PIN, biometrics) when asked. */
  userVerification?: boolean;
  /** A synced passkey: backup eligible and backed up. */
  backedUp?: boolean;
}

/** What a test may change for one ceremony, to play a phishing page, a wrong rp or a clone. */
export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  userPresent?: boolean;
  userVerified?: boolean;
  /** Signs as this credential (passwordless: otherwise the first one for the rp). */
  credentialId?: string;
  /** Reports this counter instead of the next one. */
  signCount?: number;
  /** Reports this user handle instead of the stored one. */
  userHandle?: string;
  type?: string;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

/**
 * A software WebAuthn authenticator and the browser around it, for tests over the wire: P-256
 * (ES256) keys, `none` attestation at registration, signed assertions with user present/verified
 * flags, a signature counter (or none), discoverable credentials that return their user handle.
 * It answers with the JSON shapes @simplewebauthn/browser sends, i.e. what a frontend posts.
 */
export class SoftwareAuthenticator {
  readonly aaguid = Buffer.alloc(16);
  private readonly credentials: StoredCredential[] = [];

  constructor(private readonly options: AuthenticatorOptions) {}

  /** navigator.credentials.create(): a new credential for `options`. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.options.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(b64url(c.id)))) {
      throw new Error("InvalidStateError: this authenticator already holds a credential for the user");
    }
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const credential: StoredCredential = {
      id: randomBytes(32),
      privateKey,
      publicKey,
      rpId,
      userHandle: options.user.id,
      signCount: 0,
    };
    const clientDataJSON = this.clientData("webauthn.create", options.challenge, overrides);
    const jwk = publicKey.export({ format: "jwk" });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]);
    const attested = Buffer.concat([
      this.aaguid,
      Buffer.from([credential.id.length >> 8, credential.id.length & 0xff]),
      credential.id,
      encodeCbor(coseKey),
    ]);
    const authData = this.authenticatorData(
      overrides.rpId ?? rpId,
      credential,
      overrides,
      FLAGS.AT,
      attested,
      false,
    );
    this.credentials.push(credential);
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ["internal", "hybrid"],
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(): an assertion for `options`. */
  assert(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.options.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const credential = this.credentials.find(
      (c) =>
        c.rpId === rpId &&
        (overrides.credentialId
          ? b64url(c.id) === overrides.credentialId
          : allowed.size === 0 || allowed.has(b64url(c.id))),
    );
    if (!credential) throw new Error("NotAllowedError: no credential of this authenticator is allowed");
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, overrides);
    const authData = this.authenticatorData(
      overrides.rpId ?? rpId,
      credential,
      overrides,
      0,
      undefined,
      true,
    );
    const signature = sign(
      "sha256",
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: overrides.userHandle ?? credential.userHandle,
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  /** The ids (base64url) of the credentials it holds, oldest first. */
  get credentialIds(): string[] {
    return this.credentials.map((c) => b64url(c.id));
  }

  /** Sets a credential's counter, e.g. back, to play a cloned authenticator. */
  setSignCount(credentialId: string, value: number): void {
    const credential = this.credentials.find((c) => b64url(c.id) === credentialId);
    if (!credential) throw new Error("no such credential");
    credential.signCount = value;
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge,
        origin: overrides.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  private authenticatorData(
    rpId: string,
    credential: StoredCredential,
    overrides: CeremonyOverrides,
    extraFlags: number,
    attested: Buffer | undefined,
    advance: boolean,
  ): Buffer {
    if (advance && this.options.counter !== false) credential.signCount += 1;
    const counter = overrides.signCount ?? (this.options.counter === false ? 0 : credential.signCount);
    let flags = extraFlags;
    if (overrides.userPresent ?? true) flags |= FLAGS.UP;
    if (overrides.userVerified ?? this.options.userVerification ?? true) flags |= FLAGS.UV;
    if (this.options.backedUp) flags |= FLAGS.BE | FLAGS.BS;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }
}
