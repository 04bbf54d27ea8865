import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Reads the asymmetric signing keys from configuration values (PEM text), checks that each fits
 * the algorithm it will be used with, and reports every problem as one `VARIABLE: problem` line,
 * as the rest of the configuration does.
 */

export type SigningAlgorithm = "HS256" | "RS256" | "ES256";
export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, "HS256">;

export interface SigningKeys {
  /** The key that signs new tokens (RS256/ES256 only). */
  privateKey?: KeyObject;
  /** Public keys of earlier signing keys: they still verify and stay in the JWKS. */
  previousPublicKeys: KeyObject[];
  /** Public keys of the next signing key, published (and verifying) before it signs. */
  nextPublicKeys: KeyObject[];
  /** True when no key was configured and a throw-away one was generated. */
  generated: boolean;
  problems: string[];
}

export interface KeySources {
  privateKey?: string;
  privateKeyFile?: string;
  previousPublicKeys?: string;
  nextPublicKeys?: string;
  /** Development and test: make a key when none is configured. Production: a missing key is an error. */
  generateIfMissing: boolean;
}

const MIN_RSA_BITS = 2048;

/**
 * The algorithm a key can sign or verify with, or why it can do neither. RSA keys sign RS256
 * (2048 bits or more); EC keys on P-256 sign ES256. Nothing else is accepted.
 */
export function algorithmOf(key: KeyObject): AsymmetricAlgorithm | { problem: string } {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    return bits >= MIN_RSA_BITS
      ? "RS256"
      : { problem: `an RSA key needs at least ${MIN_RSA_BITS} bits, this one has ${bits}` };
  }
  if (key.asymmetricKeyType === "ec") {
    return details.namedCurve === "prime256v1"
      ? "ES256"
      : { problem: `an EC key must be on P-256 for ES256, this one is on ${details.namedCurve}` };
  }
  return { problem: `a ${key.asymmetricKeyType} key is not supported (RSA for RS256, EC P-256 for ES256)` };
}

/** Environment variables often carry PEM text with `\n` escapes instead of line breaks. */
function unescapePem(value: string): string {
  return value.replace(/\\n/g, "\n").trim();
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function readPrivateKey(
  algorithm: AsymmetricAlgorithm,
  sources: KeySources,
  problems: string[],
): KeyObject | undefined {
  let variable = "JWT_PRIVATE_KEY";
  let pem = sources.privateKey;
  if (sources.privateKeyFile !== undefined) {
    variable = "JWT_PRIVATE_KEY_FILE";
    try {
      pem = readFileSync(sources.privateKeyFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      problems.push(`JWT_PRIVATE_KEY_FILE: cannot read ${sources.privateKeyFile} (${code})`);
      return undefined;
    }
  }
  if (pem === undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(unescapePem(pem));
  } catch {
    problems.push(`${variable}: not an unencrypted PEM private key`);
    return undefined;
  }
  const keyAlgorithm = algorithmOf(key);
  if (typeof keyAlgorithm !== "string") {
    problems.push(`${variable}: ${keyAlgorithm.problem}`);
    return undefined;
  }
  if (keyAlgorithm !== algorithm) {
    problems.push(`${variable}: this key signs ${keyAlgorithm}, but JWT_ALGORITHM is ${algorithm}`);
    return undefined;
  }
  return key;
}

/** PEM public keys, one block after the other, from the variable named `variable`. */
function readPublicKeys(variable: string, value: string | undefined, problems: string[]): KeyObject[] {
  if (value === undefined) return [];
  const blocks = [...unescapePem(value).matchAll(PEM_BLOCK)];
  if (blocks.length === 0) {
    problems.push(`${variable}: no PEM public key found`);
    return [];
  }
  const keys: KeyObject[] = [];
  blocks.forEach(([block, label], index) => {
    const where = `${variable}: key ${index + 1}`;
    if (label!.includes("PRIVATE")) {
      problems.push(`${where} is a private key; give only public keys here`);
      return;
    }
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch {
      problems.push(`${where} is not a PEM public key`);
      return;
    }
    const algorithm = algorithmOf(key);
    if (typeof algorithm === "string") keys.push(key);
    else problems.push(`${where}: ${algorithm.problem}`);
  });
  return keys;
}

function generatePrivateKey(algorithm: AsymmetricAlgorithm): KeyObject {
  return algorithm === "RS256"
    ? generateKeyPairSync("rsa", { modulusLength: MIN_RSA_BITS }).privateKey
    : generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
}

export function readSigningKeys(algorithm: SigningAlgorithm, sources: KeySources): SigningKeys {
  const problems: string[] = [];
  const previousPublicKeys = readPublicKeys("JWT_PREVIOUS_PUBLIC_KEYS", sources.previousPublicKeys, problems);
  const nextPublicKeys = readPublicKeys("JWT_NEXT_PUBLIC_KEYS", sources.nextPublicKeys, problems);
  const published = { previousPublicKeys, nextPublicKeys };
  const configured = sources.privateKey !== undefined || sources.privateKeyFile !== undefined;

  if (sources.privateKey !== undefined && sources.privateKeyFile !== undefined) {
    problems.push("JWT_PRIVATE_KEY_FILE: set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both");
    return { ...published, generated: false, problems };
  }
  if (algorithm === "HS256") {
    if (configured) {
      const variable = sources.privateKey !== undefined ? "JWT_PRIVATE_KEY" : "JWT_PRIVATE_KEY_FILE";
      problems.push(`${variable}: only used when JWT_ALGORITHM is RS256 or ES256 (it is HS256)`);
    }
    return { ...published, generated: false, problems };
  }
  if (!configured) {
    if (!sources.generateIfMissing) {
      problems.push(
        `JWT_PRIVATE_KEY: required in production when JWT_ALGORITHM is ${algorithm} (or JWT_PRIVATE_KEY_FILE)`,
      );
      return { ...published, generated: false, problems };
    }
    return { privateKey: generatePrivateKey(algorithm), ...published, generated: true, problems };
  }
  const privateKey = readPrivateKey(algorithm, sources, problems);
  return { privateKey, ...published, generated: false, problems };
}
