import { hkdfSync } from "node:crypto";

/** One server key of multi-factor sign-in: an id (kept beside what it protected) and 32 bytes. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** What a key protects; each purpose gets its own key, derived from the configured one. */
export type KeyPurpose = "totp-secret" | "recovery-code";

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;

/**
 * The configured keys, newest first: the first protects everything new, every key still opens or
 * checks what it protected before. Text form (the proposed MFA_SECRET_KEYS): comma-separated
 * `<id>:<32 bytes in base64 or base64url>`, e.g. `k2:…,k1:…`. Throws with a message naming the
 * problem, never the key.
 */
export function parseSecretKeys(text: string): SecretKey[] {
  const keys = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const separator = entry.indexOf(":");
      const id = separator > 0 ? entry.slice(0, separator) : "";
      if (!KEY_ID.test(id)) {
        throw new Error(`key ${index + 1}: expected <id>:<base64 key>, the id 1-32 of A-Z a-z 0-9 _ -`);
      }
      const key = Buffer.from(entry.slice(separator + 1), "base64");
      if (key.length !== KEY_BYTES) {
        throw new Error(`key ${id}: must be ${KEY_BYTES} random bytes (openssl rand -base64 32)`);
      }
      return { id, key };
    });
  if (keys.length === 0) throw new Error("no key: at least one <id>:<base64 key> is needed");
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new Error("two keys share an id");
  return keys;
}

/**
 * The key of one purpose, derived from a configured key with HKDF-SHA-256: one secret to keep,
 * and a TOTP secret's encryption key is never the recovery codes' HMAC key. The id is the
 * configured key's, so rotation is one list for every purpose.
 */
export function deriveKeys(keys: readonly SecretKey[], purpose: KeyPurpose): SecretKey[] {
  return keys.map(({ id, key }) => ({
    id,
    key: Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), `aegis-mfa:${purpose}:v1`, KEY_BYTES)),
  }));
}
