import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type AccountTokenPurpose = "EMAIL_VERIFICATION" | "PASSWORD_RESET";

/** A new one-time token and the hash that is all the database ever holds of it. */
export function newAccountToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, tokenHash: hashAccountToken(token) };
}

/**
 * SHA-256 is enough here (no salt, no bcrypt): the token has 256 bits of randomness, so the hash
 * cannot be reversed by guessing, and an exact lookup by hash needs a deterministic function.
 */
export function hashAccountToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Malformed tokens are refused before any database work. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}
