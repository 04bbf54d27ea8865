import { normalizeText, textProblem } from "../core/text";
import { errors } from "../core/errors";
import { normalizeBusinessNumber } from "./business-number";

export { normalizeEmail, registrableEmail } from "../core/email-address";

/**
 * Input rules shared by register, updateProfile and admin creation. Each function returns the
 * normalised value or throws the registry error for its field.
 */

/** Profile fields a user may set on themselves; `null` or "" clears an optional field. */
export interface ProfileInput {
  name?: string | null;
  phone?: string | null;
  businessType?: string | null;
  businessNumber?: string | null;
  industry?: string | null;
  region?: string | null;
}

export type ProfileChanges = {
  name?: string;
  phone?: string | null;
  businessType?: string | null;
  businessNumber?: string | null;
  industry?: string | null;
  region?: string | null;
};

const PHONE_PATTERN = /^\+?[0-9][0-9 ()-]{5,22}[0-9]$/;
const FREE_TEXT_FIELDS = ["businessType", "industry", "region"] as const;

/**
 * Validates the fields present in `input` and returns only those, normalised. All problems are
 * reported together as one BAD_USER_INPUT naming each field.
 */
export function validateProfile(input: ProfileInput): ProfileChanges {
  const problems: Record<string, string> = {};
  const changes: ProfileChanges = {};

  if (input.name !== undefined) {
    const name = normalizeText(input.name ?? "");
    const problem = textProblem(name);
    if (problem) problems.name = problem;
    else if (name.length < 2 || name.length > 100) problems.name = "must be 2 to 100 characters";
    else changes.name = name;
  }
  if (input.phone !== undefined) {
    const phone = input.phone?.trim() || null;
    if (phone !== null && !PHONE_PATTERN.test(phone)) problems.phone = "is not a phone number";
    else changes.phone = phone;
  }
  if (input.businessNumber !== undefined) {
    const raw = input.businessNumber?.trim() || null;
    const normalized = raw === null ? null : normalizeBusinessNumber(raw);
    if (normalized === undefined) {
      problems.businessNumber = "is not a valid business registration number (123-45-67890)";
    } else changes.businessNumber = normalized;
  }
  for (const field of FREE_TEXT_FIELDS) {
    if (input[field] === undefined) continue;
    const value = normalizeText(input[field] ?? "") || null;
    const problem = value === null ? undefined : textProblem(value);
    if (problem) problems[field] = problem;
    else if (value !== null && value.length > 100) problems[field] = "must be at most 100 characters";
    else changes[field] = value;
  }

  if (Object.keys(problems).length > 0) throw errors.badUserInput(problems);
  return changes;
}
