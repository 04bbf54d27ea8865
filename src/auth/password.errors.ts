import { AppError, ERROR_CODES } from "../core/errors";

/**
 * WEAK_PASSWORD for the two screens a password passes besides the policy. Same code, so existing
 * clients show it where they show a weak password, with `reason` for those that want to say more:
 * RECENTLY_USED (one of the last PASSWORD_HISTORY_SIZE passwords) or BREACHED (known from data
 * breaches). `missing` reads like the policy's list. These join `errors` in core/errors.ts (the
 * catalog) when multi-factor sign-in is wired in.
 */
function weakPassword(message: string, reason: "RECENTLY_USED" | "BREACHED", field: string, missing: string) {
  return new AppError(message, "WEAK_PASSWORD", {
    errorCode: ERROR_CODES.WEAK_PASSWORD,
    field,
    missing: [missing],
    reason,
  });
}

export const passwordErrors = {
  recentlyUsed: (historySize: number, field = "newPassword") =>
    weakPassword(
      `This password was used recently; choose one that is not among your last ${historySize}.`,
      "RECENTLY_USED",
      field,
      `not one of your last ${historySize} passwords`,
    ),
  breached: (field = "password") =>
    weakPassword(
      "This password has appeared in a data breach, so attackers try it first; choose another.",
      "BREACHED",
      field,
      "a password not known from data breaches",
    ),
};
