import { createHash } from "node:crypto";

/** 32 bytes (an HMAC-SHA256: recovery/link-tokens.ts), base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type AccountTokenPurpose = "EMAIL_VERIFICATION" | "PASSWORD_RESET";

/**
 * SHA-256 is enough here (no salt, no bcrypt): the token is 256 bits no one can guess without
 * the server's secret, so the hash cannot be reversed by guessing, and an exact lookup by hash needs a deterministic function.
 */
export function hashAccountToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Malformed tokens are refused before any database work. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}
