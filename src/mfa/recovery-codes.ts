import { createHmac, randomInt } from "node:crypto";
import type { Db } from "./factor.repository";
import type { RecoveryCodeRepository } from "./recovery-code.repository";
import { deriveKeys, type SecretKey } from "./secret-key-ring";

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper survives. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 10; // 50 bits each
export const RECOVERY_CODE_COUNT = 10;

/** `ABCDE-FGHJK`: how codes are shown; any case, spacing or dashes are accepted back. */
function format(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Upper case, no separators, and the letters Crockford reads as digits (O→0, I/L→1). */
export function normaliseRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

/**
 * Recovery codes: RECOVERY_CODE_COUNT single-use codes, shown once, stored only as HMAC-SHA-256
 * under a server key (a copy of the database alone is not enough to test guesses, unlike a plain
 * hash of 50 bits). Regenerating replaces the whole set; a code is used up by one conditional
 * UPDATE, so two requests with one code cannot both pass. Keys rotate like the TOTP secrets'
 * (the same key ring, another derived key): each row names the key that hashed it, and every
 * configured key is tried when a code is checked.
 */
export class RecoveryCodes {
  private readonly codes: RecoveryCodeRepository;
  private readonly keys: SecretKey[];

  constructor(deps: { codes: RecoveryCodeRepository; keys: readonly SecretKey[] }) {
    this.codes = deps.codes;
    this.keys = deriveKeys(deps.keys, "recovery-code");
    if (this.keys.length === 0) throw new Error("RecoveryCodes needs at least one key");
  }

  /** A new set for the user, replacing the old one; the codes as the user must see them, once. */
  async regenerate(db: Db, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(""),
    );
    const current = this.keys[0]!;
    await this.codes.replace(
      db,
      userId,
      current.id,
      codes.map((code) => this.hash(current, userId, code)),
    );
    return codes.map(format);
  }

  /** Whether `input` is one of the user's unused codes, using it up. */
  async consume(db: Db, userId: string, input: string, now = new Date()): Promise<boolean> {
    const code = normaliseRecoveryCode(input);
    if (code.length !== CODE_LENGTH || [...code].some((c) => !ALPHABET.includes(c))) return false;
    return this.codes.use(
      db,
      userId,
      this.keys.map((key) => this.hash(key, userId, code)),
      now,
    );
  }

  remaining(userId: string): Promise<number> {
    return this.codes.countUnused(userId);
  }

  /** Bound to the user: a row copied to another user's set matches nothing there. */
  private hash(key: SecretKey, userId: string, code: string): string {
    return createHmac("sha256", key.key).update(`${userId}:${code}`).digest("hex");
  }
}
