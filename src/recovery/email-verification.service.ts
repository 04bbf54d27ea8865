import type { Viewer } from "../users/viewer";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Unit, UnitOfWork } from "../infra/unit-of-work";
import type { RateLimits } from "../limits/rate-limits";
import type { ProfileCacheWrites } from "../users/user.cache";
import type { UserProfile } from "../users/user.model";
import type { UserRepository } from "../users/user.repository";
import { hashAccountToken, isWellFormedToken } from "./account-token";
import { noAuthMetrics, type AuthMetrics } from "../observability/auth.metrics";
import type { AccountTokenRepository } from "./account-token.repository";
import type { OneTimeLinks } from "./one-time-links";

/** E-mail verification: a one-time link sent through the notification service, then verifyEmail. */
export class EmailVerificationService {
  private readonly uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
  private readonly users: UserRepository;
  private readonly tokens: AccountTokenRepository;
  private readonly links: OneTimeLinks;
  private readonly limits: RateLimits;
  private readonly metrics: AuthMetrics;

  constructor(deps: {
    uow: UnitOfWork<Unit & OutboxWrites & ProfileCacheWrites>;
    users: UserRepository;
    tokens: AccountTokenRepository;
    links: OneTimeLinks;
    limits: RateLimits;
    metrics?: AuthMetrics;
  }) {
    this.uow = deps.uow;
    this.users = deps.users;
    this.tokens = deps.tokens;
    this.links = deps.links;
    this.limits = deps.limits;
    this.metrics = deps.metrics ?? noAuthMetrics;
  }

  /**
   * requestEmailVerification: a new link for the caller (earlier links stop working); false, and
   * nothing sent, when the address is already verified.
   */
  async request(viewer: Viewer, cause: Cause): Promise<boolean> {
    await this.limits.consume("verificationPerIp", cause.ipAddress);
    await this.limits.consume("verificationPerEmail", viewer.user.email);
    // The database, not the cached profile: a link must never go out for a verified address.
    const user = await this.users.findById(viewer.user.id);
    if (!user) throw errors.userNotFound();
    if (user.isVerified) return false;
    await this.send(user, cause);
    return true;
  }

  /**
   * A new link for a user whose login was refused as unverified (after the right password), so
   * an expired link is no dead end. False when the per-email limit says not now.
   */
  async resend(user: UserProfile, cause: Cause): Promise<boolean> {
    if (!(await this.limits.tryConsume("verificationPerEmail", user.email))) return false;
    await this.send(user, cause);
    return true;
  }

  /** verifyEmail: marks the address verified; the token works once. */
  async verify(token: string, cause: Cause): Promise<UserProfile> {
    try {
      const user = await this.verifyToken(token, cause);
      this.metrics.emailVerification("verified");
      return user;
    } catch (error) {
      this.metrics.emailVerification("failed");
      throw error;
    }
  }

  private async verifyToken(token: string, cause: Cause): Promise<UserProfile> {
    await this.limits.consume("tokenPerIp", cause.ipAddress);
    if (!isWellFormedToken(token)) throw errors.verificationTokenInvalid();
    return this.uow.run(async ({ tx, emit, cacheProfile }) => {
      const userId = await this.tokens.consume(tx, "EMAIL_VERIFICATION", hashAccountToken(token));
      const current = userId && (await this.users.findByIdIn(tx, userId));
      if (!current) throw errors.verificationTokenInvalid();
      if (current.isVerified) {
        cacheProfile(current);
        return current;
      }
      const updated = await this.users.update(tx, current.id, { isVerified: true });
      await emit(cause, userEvents.updated(updated, ["isVerified"]));
      cacheProfile(updated);
      return updated;
    });
  }

  private async send(user: UserProfile, cause: Cause): Promise<void> {
    const issued = await this.uow.run((unit) => this.links.issue(unit, user, "EMAIL_VERIFICATION", cause));
    this.links.logLink("EMAIL_VERIFICATION", user.id, issued);
    this.metrics.emailVerification("sent");
  }
}
