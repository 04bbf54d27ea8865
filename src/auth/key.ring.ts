import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import type { Config } from "../config";
import { algorithmOf } from "../config/key.reader";
import { hmacKeyId, hmacKeyRing, type KeyRing, type PublicJwk, type VerificationKey } from "./token.service";

/** The members RFC 7638 hashes for each key type, in the lexicographic order it requires. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["e", "kty", "n"],
  EC: ["crv", "kty", "x", "y"],
};

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: a `kid` anyone can recompute
 * from the key itself, so it changes exactly when the key does.
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for key type ${jwk.kty}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash("sha256").update(canonical).digest("base64url");
}

function publicEntry(publicKey: KeyObject) {
  const algorithm = algorithmOf(publicKey);
  // Keys were checked when the configuration was read; this only guards against misuse.
  if (typeof algorithm !== "string") throw new Error(algorithm.problem);
  const jwk = publicKey.export({ format: "jwk" });
  const kid = jwkThumbprint(jwk);
  const published: PublicJwk = {
    ...(jwk as Record<string, string>),
    kty: String(jwk.kty),
    kid,
    alg: algorithm,
    use: "sig",
  };
  const verification: VerificationKey = { kid, algorithm, key: publicKey };
  return { published, verification };
}

/** Verification keys and JWKS entries for public keys, current first, each kid once. */
function publicKeySet(keys: readonly KeyObject[]) {
  const verification = new Map<string, VerificationKey>();
  const publicKeys: PublicJwk[] = [];
  for (const { published, verification: key } of keys.map(publicEntry)) {
    if (verification.has(key.kid)) continue;
    verification.set(key.kid, key);
    publicKeys.push(published);
  }
  return { verification, publicKeys };
}

/**
 * A key ring for RS256/ES256: the private key signs; its public key, the next ones and the
 * previous ones verify and are published, in that order. Previous keys keep verifying until an
 * operator removes them, which must not happen before the tokens they signed have expired (refresh
 * tokens included). Next keys are published before they sign, so that verifiers which cache the
 * JWKS already hold them when they do; they verify too, because during a rolling deploy of the
 * switch, processes still on the old configuration must accept tokens the new ones signed.
 */
export function asymmetricKeyRing(
  privateKey: KeyObject,
  previousPublicKeys: readonly KeyObject[] = [],
  nextPublicKeys: readonly KeyObject[] = [],
): KeyRing {
  const { verification, publicKeys } = publicKeySet([
    createPublicKey(privateKey),
    ...nextPublicKeys,
    ...previousPublicKeys,
  ]);
  const current = verification.get(publicKeys[0]!.kid)!;
  return { signing: { ...current, signingKey: privateKey }, verification, publicKeys };
}

/**
 * The key ring the configuration asks for. With RS256/ES256, a `JWT_SECRET_KEY` that is still set
 * verifies (never signs) the HS256 tokens issued before the switch, so moving from HS256 logs no
 * one out; it is never published.
 */
export function keyRingFromConfig(jwt: Config["jwt"]): KeyRing {
  if (jwt.algorithm === "HS256") {
    const ring = hmacKeyRing(requireValue(jwt.secret, "HS256 secret"));
    const published = [...jwt.nextPublicKeys, ...jwt.previousPublicKeys];
    if (published.length === 0) return ring;
    // Back from RS256/ES256 to HS256, the old public keys still verify; on the way to RS256/ES256,
    // the next key is published before it signs. Both are in the JWKS.
    const extra = publicKeySet(published);
    return withExtraKeys(ring, extra.verification, extra.publicKeys);
  }
  const ring = asymmetricKeyRing(
    requireValue(jwt.privateKey, "private key"),
    jwt.previousPublicKeys,
    jwt.nextPublicKeys,
  );
  if (jwt.secret === undefined) return ring;
  const kid = hmacKeyId(jwt.secret);
  return withExtraKeys(ring, new Map([[kid, { kid, algorithm: "HS256", key: jwt.secret }]]), []);
}

function withExtraKeys(
  ring: KeyRing,
  verification: ReadonlyMap<string, VerificationKey>,
  publicKeys: readonly PublicJwk[],
): KeyRing {
  return {
    signing: ring.signing,
    verification: new Map([...verification, ...ring.verification]),
    publicKeys: [...ring.publicKeys, ...publicKeys],
  };
}

function requireValue<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`configuration has no JWT ${what}`);
  return value;
}
