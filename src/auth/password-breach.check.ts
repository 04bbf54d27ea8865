import type { Logger } from "../infra/logger";
import { isCommonPassword } from "./common-passwords";
import { passwordErrors } from "./password.errors";
import type { PwnedPasswordsClient } from "./pwned-passwords.client";

/**
 * How passwords are screened (proposed PASSWORD_BREACH_CHECK): `off`; `offline`, the list of the
 * most common breached passwords shipped with the gateway (no network); `online`, that list and
 * then Have I Been Pwned's range API, failing open when the API cannot answer.
 */
export type BreachCheckMode = "off" | "offline" | "online";

export type BreachVerdict =
  | { breached: false; screened: "off" | "offline" | "online" | "offline-only" }
  | { breached: true; source: "common-list" | "breach-corpus"; timesSeen?: number };

/**
 * The breached-password screen, applied where a password is chosen (register, change, reset).
 * When the online check cannot answer (timeout, error, circuit open) the password is judged by the
 * offline list alone and a warning is logged: an outage of a third party never blocks sign-ups.
 */
export class PasswordBreachCheck {
  private readonly mode: BreachCheckMode;
  private readonly pwned: PwnedPasswordsClient | undefined;
  private readonly logger: Logger;

  constructor(deps: { mode: BreachCheckMode; pwned?: PwnedPasswordsClient; logger: Logger }) {
    if (deps.mode === "online" && !deps.pwned)
      throw new Error("the online breach check needs a range API client");
    this.mode = deps.mode;
    this.pwned = deps.pwned;
    this.logger = deps.logger;
  }

  async check(password: string): Promise<BreachVerdict> {
    if (this.mode === "off") return { breached: false, screened: "off" };
    if (isCommonPassword(password)) return { breached: true, source: "common-list" };
    if (this.mode === "offline") return { breached: false, screened: "offline" };
    const timesSeen = await this.pwned!.timesSeen(password);
    if (timesSeen === "unavailable") {
      this.logger.warn(
        { breaker: this.pwned!.state },
        "password breach check unavailable: the password was screened against the offline list only",
      );
      return { breached: false, screened: "offline-only" };
    }
    return timesSeen > 0
      ? { breached: true, source: "breach-corpus", timesSeen }
      : { breached: false, screened: "online" };
  }

  /** Throws WEAK_PASSWORD (reason BREACHED) for a breached password. */
  async assertNotBreached(password: string, field = "password"): Promise<void> {
    if ((await this.check(password)).breached) throw passwordErrors.breached(field);
  }
}
