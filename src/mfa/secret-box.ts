import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deriveKeys, type SecretKey } from "./secret-key-ring";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets at rest (TOTP shared secrets) under AES-256-GCM with a key ring: the first key seals,
 * every key opens, and the id of the key that sealed travels in the sealed text
 * (`v1:<key id>:<iv>:<ciphertext>:<tag>`, base64url). So a key rotates without a flag day: put
 * the new key first, re-seal at leisure (`reseal`), and remove the old key once nothing sealed
 * with it is left (docs/multi-factor.md, "Key rotation").
 *
 * `context` is bound to the ciphertext as additional authenticated data (e.g. the factor id): a
 * sealed secret copied into another row does not open there.
 */
export class SecretBox {
  private readonly keys: SecretKey[];

  constructor(deps: { keys: readonly SecretKey[] }) {
    this.keys = deriveKeys(deps.keys, "totp-secret");
    if (this.keys.length === 0) throw new Error("SecretBox needs at least one key");
  }

  seal(plaintext: string, context: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [VERSION, id, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
      .join(":");
  }

  /** Throws when the text is malformed, its key is not in the ring, or it was tampered with. */
  open(sealed: string, context: string): string {
    const [version, id, iv, ciphertext, tag, extra] = sealed.split(":");
    if (version !== VERSION || !id || !iv || ciphertext === undefined || !tag || extra !== undefined) {
      throw new Error("sealed secret: unknown format");
    }
    const entry = this.keys.find((k) => k.id === id);
    if (!entry) throw new Error(`sealed secret: key ${id} is not configured`);
    const decipher = createDecipheriv("aes-256-gcm", entry.key, Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  }

  /** The id of the key that sealed `sealed`. */
  keyIdOf(sealed: string): string | undefined {
    return sealed.split(":")[1];
  }

  /** The text sealed again under the current key, or null when it already is. */
  reseal(sealed: string, context: string): string | null {
    if (this.keyIdOf(sealed) === this.keys[0]!.id) return null;
    return this.seal(this.open(sealed, context), context);
  }
}
