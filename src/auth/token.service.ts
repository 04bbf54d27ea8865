import { createHash, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { SigningAlgorithm } from "../config/key.reader";

export type { SigningAlgorithm };
export type TokenType = "access" | "refresh";

/** The claims of every token we issue. `typ` keeps access and refresh tokens apart. */
export interface TokenClaims {
  sub: string;
  sid: string;
  role: string;
  email: string;
  typ: TokenType;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export interface TokenSubject {
  id: string;
  role: string;
  email: string;
}

/** A key we verify with, found by the `kid` in a token's header and never by anything else. */
export interface VerificationKey {
  kid: string;
  algorithm: SigningAlgorithm;
  key: string | Buffer | KeyObject;
}

/** A public key as published in the JWKS (RFC 7517), with its `kid`, `alg` and `use`. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: "sig";
  [member: string]: string;
}

export interface KeyRing {
  signing: VerificationKey & { signingKey: string | Buffer | KeyObject };
  verification: ReadonlyMap<string, VerificationKey>;
  /** What `/.well-known/jwks.json` publishes: public keys only, never a shared secret. */
  publicKeys: readonly PublicJwk[];
}

/** The kid of an HS256 secret: derived from it, so it changes when the secret does. */
export function hmacKeyId(secret: string): string {
  return `hs-${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
}

/**
 * A key ring for HS256 with one shared secret; its kid is derived from the secret. The secret is
 * a KeyObject, built once: given a string, jsonwebtoken first tries to parse it as a PEM public
 * key on every call and only then falls back to a secret key, which cost a fifth of `me`'s CPU.
 */
export function hmacKeyRing(secret: string): KeyRing {
  const kid = hmacKeyId(secret);
  // A key object built once: given the string, jsonwebtoken tries it as a PEM key on every call.
  const keyObject = createSecretKey(Buffer.from(secret, "utf8"));
  const key: VerificationKey = { kid, algorithm: "HS256", key: keyObject };
  return {
    signing: { ...key, signingKey: keyObject },
    verification: new Map([[kid, key]]),
    publicKeys: [],
  };
}

/**
 * Header parameters that point at or carry a key (RFC 7515 §4.1), and `crit`, which would oblige
 * us to understand extensions we do not have.
 */
const FOREIGN_HEADER_PARAMETERS = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

export class TokenError extends Error {
  constructor(readonly reason: "expired" | "invalid") {
    super(`token ${reason}`);
  }
}

export interface TokenServiceOptions {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

/** Signs and fully verifies our JWTs: algorithm, key id, issuer, audience, expiry and type. */
export class TokenService {
  private readonly keys: KeyRing;
  private readonly options: TokenServiceOptions;

  constructor(deps: {
    keys: KeyRing;
    options: TokenServiceOptions;
  }) {
    this.keys = deps.keys;
    this.options = deps.options;
  }

  get accessTtlSeconds(): number {
    return this.options.accessTtlSeconds;
  }

  sign(type: TokenType, subject: TokenSubject, sessionId: string, jti: string, issuedAt: number): string {
    const ttl = type === "access" ? this.options.accessTtlSeconds : this.options.refreshTtlSeconds;
    const claims: TokenClaims = {
      sub: subject.id,
      sid: sessionId,
      role: subject.role,
      email: subject.email,
      typ: type,
      jti,
      iat: issuedAt,
      exp: issuedAt + ttl,
      iss: this.options.issuer,
      aud: this.options.audience,
    };
    const { signing } = this.keys;
    return jwt.sign(claims, signing.signingKey, {
      algorithm: signing.algorithm,
      keyid: signing.kid,
    });
  }

  /** The public keys others verify our tokens with (empty for HS256). */
  get publicKeys(): readonly PublicJwk[] {
    return this.keys.publicKeys;
  }

  /**
   * Returns the claims of a valid token of `type`, or throws a `TokenError`. The key is looked up
   * by `kid` in our own key ring and nowhere else, and the token's `alg` must be that key's.
   */
  verify(token: string, type: TokenType): TokenClaims {
    const header = decodeHeader(token) as (jwt.JwtHeader & Record<string, unknown>) | undefined;
    const kid = header?.kid;
    const key = typeof kid === "string" ? this.keys.verification.get(kid) : undefined;
    if (!header || !key || header.alg !== key.algorithm) {
      throw new TokenError("invalid");
    }
    // We never put these in a token, so one that carries them was made elsewhere. They are not
    // followed in any case: a key named by URL or embedded in the token proves nothing.
    if (FOREIGN_HEADER_PARAMETERS.some((name) => name in header)) {
      throw new TokenError("invalid");
    }
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key.key, {
        algorithms: [key.algorithm],
        issuer: this.options.issuer,
        audience: this.options.audience,
      }) as jwt.JwtPayload;
    } catch (error) {
      throw new TokenError(error instanceof jwt.TokenExpiredError ? "expired" : "invalid");
    }
    if (
      claims.typ !== type ||
      typeof claims.exp !== "number" ||
      typeof claims.sub !== "string" ||
      typeof claims.sid !== "string" ||
      typeof claims.jti !== "string"
    ) {
      throw new TokenError("invalid");
    }
    return claims as TokenClaims;
  }
}

/**
 * The header of a compact JWS, to pick the key by `kid` before verifying; the whole token is
 * decoded and checked once, by `jwt.verify`. (`jwt.decode` would parse the payload a second time.)
 */
function decodeHeader(token: string): { kid?: unknown; alg?: unknown } | undefined {
  const end = token.indexOf(".");
  if (end <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), "base64url").toString("utf8"));
    return typeof header === "object" && header !== null ? header : undefined;
  } catch {
    return undefined;
  }
}
