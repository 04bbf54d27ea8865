import { generateKeyPairSync } from "node:crypto";

/** A signing key pair as an operator would configure it: PEM text. */
export interface PemKeyPair {
  privateKey: string;
  publicKey: string;
}

export function rsaKeyPair(bits = 2048): PemKeyPair {
  return generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export function ecKeyPair(curve = "P-256"): PemKeyPair {
  return generateKeyPairSync("ec", {
    namedCurve: curve,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}
