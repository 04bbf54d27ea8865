import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { notificationEvents, type OneTimeLink } from "../events/user.events";
import type { Logger } from "../infra/logger";
import type { Tx } from "../infra/prisma";
import type { UserProfile } from "../users/user.model";
import { newAccountToken, type AccountTokenPurpose } from "./account-token";
import type { AccountTokenRepository } from "./account-token.repository";

export interface OneTimeLinkOptions {
  /** Where the frontend runs; links are `<frontendUrl>/verify-email?token=…` and `/reset-password?token=…`. */
  frontendUrl: string;
  verificationTtlSeconds: number;
  resetTtlSeconds: number;
  /** Development only: the link also goes to the debug log. */
  logLinks: boolean;
}

const PURPOSES = {
  EMAIL_VERIFICATION: { path: "verify-email", build: notificationEvents.emailVerification },
  PASSWORD_RESET: { path: "reset-password", build: notificationEvents.passwordReset },
} as const;

/**
 * Issues the one-time links of e-mail verification and password reset: a new random token whose
 * hash replaces the user's earlier ones, and a request to the notification service carrying the
 * token, its expiry and the link, both in the caller's transaction.
 */
export class OneTimeLinks {
  constructor(
    private readonly tokens: AccountTokenRepository,
    private readonly outbox: OutboxRepository,
    private readonly logger: Logger,
    private readonly options: OneTimeLinkOptions,
  ) {}

  async issue(
    tx: Tx,
    user: UserProfile,
    purpose: AccountTokenPurpose,
    cause: Cause,
  ): Promise<OneTimeLink> {
    const { token, tokenHash } = newAccountToken();
    const ttl =
      purpose === "EMAIL_VERIFICATION"
        ? this.options.verificationTtlSeconds
        : this.options.resetTtlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const { path, build } = PURPOSES[purpose];
    const link = `${this.options.frontendUrl.replace(/\/+$/, "")}/${path}?token=${token}`;
    await this.tokens.replace(tx, user.id, purpose, tokenHash, expiresAt);
    await this.outbox.addNotification(tx, cause, build(user, { token, expiresAt, link }));
    return { token, expiresAt, link };
  }

  /** After the commit: in development, the link goes to the debug log (never in production). */
  logLink(purpose: AccountTokenPurpose, userId: string, issued: OneTimeLink): void {
    if (!this.options.logLinks) return;
    this.logger.debug(
      { purpose, userId, link: issued.link, expiresAt: issued.expiresAt.toISOString() },
      `one-time link (development only): ${issued.link}`,
    );
  }
}
