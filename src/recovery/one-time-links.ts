import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { notificationEvents, type OneTimeLink } from "../users/user.events";
import type { Logger } from "../infra/logger";
import type { Unit } from "../infra/unit-of-work";
import type { UserProfile } from "../users/user.model";
import type { AccountTokenPurpose } from "./account-token";
import type { AccountTokenRepository } from "./account-token.repository";
import type { LinkTokens } from "./link-tokens";

export interface OneTimeLinkOptions {
  /** Where the frontend runs; links are `<frontendUrl>/verify-email?token=…` and `/reset-password?token=…`. */
  frontendUrl: string;
  verificationTtlSeconds: number;
  resetTtlSeconds: number;
  /** Development only: the link is also logged at info, where a developer can click it. */
  logLinks: boolean;
}

const BUILDERS = {
  EMAIL_VERIFICATION: notificationEvents.emailVerification,
  PASSWORD_RESET: notificationEvents.passwordReset,
} as const;

/**
 * Issues the one-time links of e-mail verification and password reset: a new token whose hash
 * replaces the user's earlier one, and a request to the notification service, both in the
 * caller's unit of work. The request's outbox row holds a reference to the token, never the token
 * (recovery/link-tokens.ts): the token and link are added when the row is published.
 */
export class OneTimeLinks {
  private readonly tokens: AccountTokenRepository;
  private readonly logger: Logger;
  private readonly options: OneTimeLinkOptions;
  private readonly linkTokens: LinkTokens;

  constructor(deps: {
    tokens: AccountTokenRepository;
    logger: Logger;
    options: OneTimeLinkOptions;
    linkTokens: LinkTokens;
  }) {
    this.tokens = deps.tokens;
    this.logger = deps.logger;
    this.options = deps.options;
    this.linkTokens = deps.linkTokens;
  }

  async issue(
    unit: Unit & OutboxWrites,
    user: UserProfile,
    purpose: AccountTokenPurpose,
    cause: Cause,
  ): Promise<OneTimeLink> {
    const { ref, token, tokenHash } = this.linkTokens.issue(purpose);
    const ttl =
      purpose === "EMAIL_VERIFICATION" ? this.options.verificationTtlSeconds : this.options.resetTtlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    await this.tokens.replace(unit.tx, user.id, purpose, tokenHash, expiresAt);
    await unit.notify(cause, BUILDERS[purpose](user, { tokenRef: ref, expiresAt }));
    return { token, expiresAt, link: this.linkTokens.link(purpose, token) };
  }

  /**
   * After the commit, in development only (never in production, where it would put a usable
   * token in the logs): the link at info level, so a developer without a notification service
   * can click it.
   */
  logLink(purpose: AccountTokenPurpose, userId: string, issued: OneTimeLink): void {
    if (!this.options.logLinks) return;
    const what = purpose === "EMAIL_VERIFICATION" ? "e-mail verification" : "password reset";
    this.logger.info(
      { purpose, userId, link: issued.link, expiresAt: issued.expiresAt.toISOString() },
      `development only: ${what} link ${issued.link}`,
    );
  }
}
