import { errors } from "../core/errors";

/** bcrypt reads only the first 72 bytes of its input; longer passwords are refused, not cut. */
export const BCRYPT_MAX_BYTES = 72;
const SYMBOLS = "!@#$%^&*()_+-=";

/** What a password lacks under the policy; empty when it is acceptable. */
export function passwordProblems(password: string): string[] {
  const missing: string[] = [];
  if (password.length < 8) missing.push("at least 8 characters");
  if (!/[A-Z]/.test(password)) missing.push("an upper-case letter");
  if (!/[a-z]/.test(password)) missing.push("a lower-case letter");
  if (!/[0-9]/.test(password)) missing.push("a digit");
  if (![...password].some((c) => SYMBOLS.includes(c))) missing.push(`one of ${SYMBOLS}`);
  if (Buffer.byteLength(password, "utf8") > BCRYPT_MAX_BYTES) {
    missing.push(`at most ${BCRYPT_MAX_BYTES} bytes`);
  }
  return missing;
}

export function assertStrongPassword(password: string, field = "password"): void {
  const missing = passwordProblems(password);
  if (missing.length > 0) throw errors.weakPassword(missing, field);
}
