import type { Lockout } from "./lockout";
import type { PasswordHasher } from "./password.hasher";
import { assertStrongPassword } from "./password.policy";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { BackgroundWork } from "../infra/background-work";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { RateLimits } from "../limits/rate-limits";
import type { SessionService } from "../sessions/session.service";
import type { ProfileCacheWrites } from "../users/user.cache";
import type { UserRepository } from "../users/user.repository";
import { normalizeEmail } from "../users/user.validation";
import { hashAccountToken, isWellFormedToken } from "../recovery/account-token";
import { noAuthMetrics, type AuthMetrics } from "../observability/auth.metrics";
import type { AccountTokenRepository } from "../recovery/account-token.repository";
import type { OneTimeLinks } from "../recovery/one-time-links";

/** Forgotten passwords: a one-time link by e-mail, then resetPassword. */
export class PasswordResetService {
  private readonly uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
  private readonly users: UserRepository;
  private readonly tokens: AccountTokenRepository;
  private readonly links: OneTimeLinks;
  private readonly hasher: PasswordHasher;
  private readonly sessions: SessionService;
  private readonly limits: RateLimits;
  private readonly background: BackgroundWork;
  private readonly lockout: Lockout;
  private readonly metrics: AuthMetrics;

  constructor(deps: {
    uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
    users: UserRepository;
    tokens: AccountTokenRepository;
    links: OneTimeLinks;
    hasher: PasswordHasher;
    sessions: SessionService;
    limits: RateLimits;
    background: BackgroundWork;
    lockout: Lockout;
    metrics?: AuthMetrics;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.tokens = deps.tokens;
    this.links = deps.links;
    this.hasher = deps.hasher;
    this.sessions = deps.sessions;
    this.limits = deps.limits;
    this.background = deps.background;
    this.lockout = deps.lockout;
    this.metrics = deps.metrics ?? noAuthMetrics;
  }

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
    await this.uow.run(async ({ tx, emit, cacheProfile, afterCommit }) => {
      // Consumed here, atomically: of two requests racing with one token, one wins.
      const userId = await this.tokens.consume(tx, "PASSWORD_RESET", tokenHash);
      if (!userId) throw errors.resetTokenInvalid();
      const updated = await this.users.update(tx, userId, { passwordHash });
      // One live reset link at a time, and none after a reset (the used one included).
      await this.tokens.deleteForUser(tx, userId, "PASSWORD_RESET");
      await emit(cause, userEvents.passwordChanged(userId, "reset"));
      await this.sessions.revokeAll(userId, "PASSWORD_RESET", cause);
      cacheProfile(updated);
      // The lockout is cleared; so is the per-account count of failed logins.
      afterCommit(async () => {
        await this.lockout.clear(updated.email);
        await this.limits.reset("loginFailuresPerAccount", updated.email);
      });
    });
  }

  /** The part of a request that depends on the account; runs after the answer went out. */
  private async issue(email: string, cause: Cause): Promise<void> {
    const user = await this.users.findByEmail(email);
    // Disabled accounts get no link (they could not log in anyway); erased ones have no email.
    if (!user?.isActive) return;
    const issued = await this.uow.run((unit) => this.links.issue(unit, user, "PASSWORD_RESET", cause));
    this.links.logLink("PASSWORD_RESET", user.id, issued);
  }
}
