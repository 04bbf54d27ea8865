import type { Role, UserProfile } from "../users/user.model";
import { envelope } from "./event.model";

/**
 * Builders for every user event: the one place that decides what each event carries. None may
 * carry a password, a hash or a token (the events test checks every published payload).
 */
export const userEvents = {
  created: (user: UserProfile) =>
    envelope("user.created", user.id, {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    }),
  updated: (user: UserProfile, updatedFields: string[]) =>
    envelope("user.updated", user.id, {
      id: user.id,
      email: user.email,
      name: user.name,
      updatedFields,
    }),
  deleted: (userId: string, deletedAt: Date) =>
    envelope("user.deleted", userId, { id: userId, deletedAt: deletedAt.toISOString() }),
  loggedIn: (user: UserProfile, sessionId: string, ipAddress?: string) =>
    envelope("user.logged_in", user.id, {
      id: user.id,
      sessionId,
      ipAddress: ipAddress ?? null,
      loggedInAt: (user.lastLoginAt ?? new Date()).toISOString(),
    }),
  loggedOut: (userId: string, sessionIds: string[], reason: string) =>
    envelope("user.logged_out", userId, { id: userId, sessionIds, reason }),
  passwordChanged: (userId: string, via: "change" | "reset") =>
    envelope("user.password_changed", userId, { id: userId, via }),
  /** `actorId` is null when the system made the change (the admin:create command). */
  roleChanged: (userId: string, oldRole: Role, newRole: Role, actorId: string | null) =>
    envelope("user.role_changed", userId, { id: userId, oldRole, newRole, actorId }),
};

/** What a one-time-link notification carries besides the user: the token and where it leads. */
export interface OneTimeLink {
  token: string;
  expiresAt: Date;
  link: string;
}

/**
 * Requests to the notification service. The verification and reset requests carry their one-time
 * token (the e-mail needs it) and nothing else secret.
 */
export const notificationEvents = {
  welcome: (user: UserProfile) =>
    envelope("notification.welcome", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "welcome",
    }),
  emailVerification: (user: UserProfile, { token, expiresAt, link }: OneTimeLink) =>
    envelope("notification.email_verification", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "email_verification",
      token,
      expiresAt: expiresAt.toISOString(),
      link,
    }),
  passwordReset: (user: UserProfile, { token, expiresAt, link }: OneTimeLink) =>
    envelope("notification.password_reset", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "password_reset",
      token,
      expiresAt: expiresAt.toISOString(),
      link,
    }),
};
