/** Session activity, as streamed to subscribers (see the sessionEvents subscriptions). */
export type SessionEventType =
  | "SESSION_CREATED"
  | "SESSION_REFRESHED"
  | "SESSION_REVOKED"
  | "LOGIN_FAILED"
  | "ACCOUNT_LOCKED"
  | "PASSWORD_CHANGED";

/** Why a session ended, carried in SESSION_REVOKED events and `user.logged_out`. */
export type RevocationReason =
  | "LOGOUT"
  | "LOGOUT_ALL"
  | "REVOKED_BY_USER"
  | "REVOKED_BY_ADMIN"
  | "SESSION_LIMIT"
  | "REFRESH_TOKEN_REUSE"
  | "PASSWORD_CHANGED"
  | "PASSWORD_RESET"
  | "ACCOUNT_DISABLED"
  | "ROLE_CHANGED"
  | "ACCOUNT_DELETED";

/** Plain JSON, so it crosses Redis PubSub unchanged. */
export interface SessionEvent {
  type: SessionEventType;
  userId: string;
  sessionId: string | null;
  occurredAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  reason: string | null;
}

export interface SessionEventPublisher {
  publish(event: SessionEvent): void;
}

/** What a unit of work queues for subscribers: announced after the commit, never before. */
export interface SessionAnnouncements {
  announce(event: SessionEvent): void;
}

export function sessionEvent(
  type: SessionEventType,
  userId: string,
  details: { sessionId?: string; ipAddress?: string; userAgent?: string; reason?: string } = {},
): SessionEvent {
  return {
    type,
    userId,
    sessionId: details.sessionId ?? null,
    occurredAt: new Date().toISOString(),
    ipAddress: details.ipAddress ?? null,
    userAgent: details.userAgent ?? null,
    reason: details.reason ?? null,
  };
}
