import { op } from "./operations";
import type { Session } from "./factories";
import type { TestServer } from "./test-server";

export const VERIFICATION_EVENT = "notification.email_verification";
export const RESET_EVENT = "notification.password_reset";

/** What a one-time-link notification carries to the notification service. */
export interface LinkNotification {
  userId: string;
  email: string;
  name: string;
  template: string;
  token: string;
  expiresAt: string;
  link: string;
}

/**
 * The user's notification requests of one type, oldest first, as the server committed them to the
 * outbox (what the notification service receives), once the server's background work is done.
 */
export async function linkNotifications(
  server: TestServer,
  userId: string,
  eventType: typeof VERIFICATION_EVENT | typeof RESET_EVENT,
): Promise<LinkNotification[]> {
  await server.container.background.idle();
  const rows = await server.container.db.outboxEvent.findMany({
    where: { key: userId, eventType },
    orderBy: { id: "asc" },
  });
  // As the notification service receives them: the token is derived into the message when it is
  // published; the row itself holds only a reference (recovery/link-tokens.ts).
  return rows.map(
    (row) => server.container.linkTokens.render(row.payload as never).data as unknown as LinkNotification,
  );
}

/** Asks for a verification link as `session` and returns the token the e-mail would carry. */
export async function verificationToken(
  server: TestServer,
  session: Session,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await server.client.request(
    op("RequestEmailVerification"),
    {},
    { token: session.accessToken, headers },
  );
  if (response.data?.requestEmailVerification !== true) {
    throw new Error(`requestEmailVerification failed: ${JSON.stringify(response)}`);
  }
  return (await linkNotifications(server, session.user.id, VERIFICATION_EVENT)).at(-1)!.token;
}

/** Asks for a reset link for `user` and returns the token the e-mail would carry. */
export async function resetToken(
  server: TestServer,
  user: { id: string; email: string },
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await server.client.request(
    op("RequestPasswordReset"),
    { email: user.email },
    { headers },
  );
  if (response.data?.requestPasswordReset !== true) {
    throw new Error(`requestPasswordReset failed: ${JSON.stringify(response)}`);
  }
  const links = await linkNotifications(server, user.id, RESET_EVENT);
  if (links.length === 0) throw new Error("no reset link was issued");
  return links.at(-1)!.token;
}
