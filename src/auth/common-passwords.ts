import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * The offline screen: the ~49,000 most common passwords of real breaches (the "passwords" list
 * that @zxcvbn-ts/language-common ships, taken from published breach corpora, lower case). Loaded
 * into a Set on first use (a few milliseconds; a couple of megabytes of memory).
 *
 * The list is lower case and mostly letters and digits, so nothing on it passes the password
 * policy as it is; people meet the policy by dressing a common password up ("P@ssw0rd1!"). So a
 * password counts as common when its lower-case form, or that form with the usual look-alike
 * substitutions undone (@→a, 0→o, 3→e, $→s, …), is on the list, either whole or without the
 * digits and symbols around it, as long as at least MIN_BASE letters remain.
 */
const MIN_BASE = 4;
const LOOK_ALIKES: Record<string, string> = {
  "@": "a",
  "4": "a",
  "3": "e",
  "1": "i",
  "!": "i",
  "0": "o",
  $: "s",
  "5": "s",
  "7": "t",
  "+": "t",
};

let list: Set<string> | undefined;

function commonPasswords(): Set<string> {
  list ??= new Set(dictionary["passwords-common"]);
  return list;
}

function undoLookAlikes(text: string): string {
  return [...text].map((c) => LOOK_ALIKES[c] ?? c).join("");
}

/** `text` without the digits and symbols around its letters ("dragon#2024" → "dragon"). */
function lettersBetween(text: string, keepLeading = ""): string {
  const leading = new RegExp(`^[^a-z${keepLeading}]+`);
  return text.replace(leading, "").replace(/[^a-z]+$/, "");
}

/** The forms of `password` looked up on the list. */
export function commonPasswordCandidates(password: string): string[] {
  const lower = password.toLowerCase();
  const candidates = new Set([lower, undoLookAlikes(lower)]);
  const base = lettersBetween(lower);
  if (base.length >= MIN_BASE) candidates.add(base);
  // Look-alikes undone after the edges went ("p@ssw0rd123!" → "p@ssw0rd" → "password"); a
  // leading @ or $ is a letter in disguise, not decoration.
  const disguised = undoLookAlikes(lettersBetween(lower, "@$"));
  if (disguised.length >= MIN_BASE) candidates.add(disguised);
  return [...candidates];
}

export function isCommonPassword(password: string): boolean {
  const known = commonPasswords();
  return commonPasswordCandidates(password).some((candidate) => known.has(candidate));
}

/** How many passwords the offline list holds (for the docs and the start-up log). */
export function commonPasswordCount(): number {
  return commonPasswords().size;
}
