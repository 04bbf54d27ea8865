import type { Lockout } from "../auth/lockout";
import type { PasswordHasher } from "../auth/password.hasher";
import { assertStrongPassword } from "../auth/password.policy";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { userEvents } from "../users/user.events";
import type { BackgroundWork } from "../infra/background-work";
import type { Database } from "../infra/prisma";
import type { RateLimits } from "../limits/rate-limits";
import type { SessionService } from "../sessions/session.service";
import type { UserCache } from "../users/user.cache";
import type { UserRepository } from "../users/user.repository";
import { normalizeEmail } from "../users/user.validation";
import { hashAccountToken, isWellFormedToken } from "./account-token";
import { noAuthMetrics, type AuthMetrics } from "../auth/auth.metrics";
import type { AccountTokenRepository } from "./account-token.repository";
import type { OneTimeLinks } from "./one-time-links";

/** Forgotten passwords: a one-time link by e-mail, then resetPassword. */
export class PasswordResetService {
  constructor(
    private readonly db: Database,
    private readonly users: UserRepository,
    private readonly tokens: AccountTokenRepository,
    private readonly links: OneTimeLinks,
    private readonly outbox: OutboxRepository,
    private readonly cache: UserCache,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly limits: RateLimits,
    private readonly background: BackgroundWork,
    private readonly lockout: Lockout,
    private readonly metrics: AuthMetrics = noAuthMetrics,
  ) {}

  /**
   * requestPasswordReset: `true` for every well-formed address, known or not, after the same work:
   * the limits are counted for any address, and looking the address up (and, for an account,
   * issuing the link) happens after the answer, in the background. The answer and its timing
   * tell nothing about who has an account.
   */
  async request(email: string, cause: Cause): Promise<boolean> {
    await this.limits.consume("passwordResetPerIp", cause.ipAddress);
    const normalized = normalizeEmail(email);
    await this.limits.consume("passwordResetPerEmail", normalized);
    this.background.run("password reset link", () => this.issue(normalized, cause));
    this.metrics.passwordReset("requested");
    return true;
  }

  /**
   * resetPassword: sets the new password (under the policy), clears a login lockout, ends every
   * session of the user and emits user.password_changed (via "reset"). The token works once.
   */
  async reset(token: string, newPassword: string, cause: Cause): Promise<boolean> {
    try {
      await this.resetWithToken(token, newPassword, cause);
      this.metrics.passwordReset("completed");
      return true;
    } catch (error) {
      this.metrics.passwordReset("failed");
      throw error;
    }
  }

  private async resetWithToken(token: string, newPassword: string, cause: Cause): Promise<void> {
    await this.limits.consume("tokenPerIp", cause.ipAddress);
    const tokenHash = isWellFormedToken(token) ? hashAccountToken(token) : undefined;
    // The link's problem first: a person with an expired link should not fix their password first.
    if (!tokenHash || !(await this.tokens.isUsable("PASSWORD_RESET", tokenHash))) {
      throw errors.resetTokenInvalid();
    }
    assertStrongPassword(newPassword, "newPassword");
    const passwordHash = await this.hasher.hash(newPassword);
    const user = await this.db.$transaction(async (tx) => {
      // Consumed here, atomically: of two requests racing with one token, one wins.
      const userId = await this.tokens.consume(tx, "PASSWORD_RESET", tokenHash);
      if (!userId) throw errors.resetTokenInvalid();
      const updated = await this.users.update(tx, userId, { passwordHash });
      // One live reset link at a time, and none after a reset (the used one included).
      await this.tokens.deleteForUser(tx, userId, "PASSWORD_RESET");
      await this.outbox.add(tx, cause, userEvents.passwordChanged(userId, "reset"));
      await this.sessions.revokeAll(userId, "PASSWORD_RESET", cause, { tx });
      return updated;
    });
    await this.cache.put(user);
    // The lockout is cleared; so is the per-account count of failed logins.
    await this.lockout.clear(user.email);
    await this.limits.reset("loginFailuresPerAccount", user.email);
  }

  /** The part of a request that depends on the account; runs after the answer went out. */
  private async issue(email: string, cause: Cause): Promise<void> {
    const user = await this.users.findByEmail(email);
    // Disabled accounts get no link (they could not log in anyway); erased ones have no email.
    if (!user?.isActive) return;
    const issued = await this.db.$transaction((tx) =>
      this.links.issue(tx, user, "PASSWORD_RESET", cause),
    );
    this.links.logLink("PASSWORD_RESET", user.id, issued);
  }
}
