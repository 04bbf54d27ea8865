/**
 * The one rule for text a client sends: no control characters (C0, DEL, C1: NUL, CR, LF, BEL…),
 * no lone surrogates, and no invisible format characters (bidi overrides such as U+202E, zero
 * width spaces, the BOM, soft hyphens). They have no place in a name, an address, a token or a
 * password, and they are how header injection (CR/LF in a notification template) and spoofing
 * (U+202E in an admin list) get in; NUL also makes PostgreSQL refuse the statement.
 *
 * Two format characters stay allowed: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (U+200C,
 * U+200D). Persian, Indic and other scripts need them inside words, and emoji sequences use
 * them; they cannot reorder or hide text.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}]|(?![\u200C\u200D])\p{Cf}/u;

export const TEXT_PROBLEM = "must not contain control or invisible formatting characters";

/** The problem with `value`, or undefined when it may be stored and shown. */
export function textProblem(value: string): string | undefined {
  return FORBIDDEN.test(value) ? TEXT_PROBLEM : undefined;
}

/**
 * Free text as it is stored: trimmed and in Unicode NFC, so the same name typed on two systems
 * (precomposed "é" or "e" + combining accent) is one string for search and uniqueness.
 */
export function normalizeText(value: string): string {
  return value.trim().normalize("NFC");
}
