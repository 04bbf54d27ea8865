import { createHmac, randomBytes } from "node:crypto";
import type { EventEnvelope } from "../outbox/event.model";
import type { OutboxMessage } from "../outbox/event.publisher";
import { hashAccountToken } from "./account-token";
import type { AccountTokenPurpose } from "./account-token";

/** Where each purpose's link leads on the frontend. */
const LINK_PATHS: Record<AccountTokenPurpose, string> = {
  EMAIL_VERIFICATION: "verify-email",
  PASSWORD_RESET: "reset-password",
};

/** The notification events whose rows carry a token reference instead of the token. */
const PURPOSE_OF_EVENT: Record<string, AccountTokenPurpose> = {
  "notification.email_verification": "EMAIL_VERIFICATION",
  "notification.password_reset": "PASSWORD_RESET",
};

/**
 * One-time link tokens that never rest anywhere usable. A token is derived, HMAC-SHA256 under a
 * server-side secret (ONE_TIME_LINK_SECRET), from a random reference:
 *
 * - the AccountToken row holds only the SHA-256 of the token (to check a presented one);
 * - the outbox row of the notification holds only the reference;
 * - the token and the link are put into the message as it is handed to Kafka (`render`), and
 *   exist nowhere else but in that message and the e-mail.
 *
 * So a database dump or backup alone cannot use a pending link: it needs the secret, which lives
 * with the running gateways. Without Kafka the rows simply wait, still holding only references.
 * Rotating the secret ends every link that was not sent yet.
 */
export class LinkTokens {
  private readonly secret: string;
  private readonly frontendUrl: string;

  constructor(deps: {
    secret: string;
    frontendUrl: string;
  }) {
    this.secret = deps.secret;
    this.frontendUrl = deps.frontendUrl;
  }

  /** A new token: the reference the outbox keeps, the hash the database keeps, and the token. */
  issue(purpose: AccountTokenPurpose): { ref: string; token: string; tokenHash: string } {
    const ref = randomBytes(16).toString("base64url");
    const token = this.derive(purpose, ref);
    return { ref, token, tokenHash: hashAccountToken(token) };
  }

  /** 32 bytes of HMAC, base64url: 43 characters, like a random token. */
  derive(purpose: AccountTokenPurpose, ref: string): string {
    return createHmac("sha256", this.secret).update(`${purpose}:${ref}`).digest("base64url");
  }

  link(purpose: AccountTokenPurpose, token: string): string {
    return `${this.frontendUrl.replace(/\/+$/, "")}/${LINK_PATHS[purpose]}?token=${token}`;
  }

  /**
   * The envelope as the notification service receives it: a `tokenRef` becomes the `token` and
   * the `link`. Any other envelope is returned as it is.
   */
  render(envelope: EventEnvelope): EventEnvelope {
    const purpose = PURPOSE_OF_EVENT[envelope.eventType];
    const { tokenRef, ...data } = envelope.data as Record<string, unknown>;
    if (!purpose || typeof tokenRef !== "string") return envelope;
    const token = this.derive(purpose, tokenRef);
    return { ...envelope, data: { ...data, token, link: this.link(purpose, token) } };
  }

  /** For the publisher: renders one outbox message. */
  readonly renderMessage = (message: OutboxMessage): OutboxMessage => ({
    ...message,
    payload: this.render(message.payload),
  });
}
