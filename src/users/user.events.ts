import { envelope } from "../outbox/event.model";
import type { Role, UserProfile } from "./user.model";

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

/** A one-time link as issued: the token and where it leads (never stored: see below). */
export interface OneTimeLink {
  token: string;
  expiresAt: Date;
  link: string;
}

/** What a one-time-link notification's outbox row carries: a reference, never the token. */
export interface OneTimeLinkRef {
  tokenRef: string;
  expiresAt: Date;
}

/**
 * Requests to the notification service. The verification and reset requests are stored with a
 * reference to their one-time token; the token and the link are derived into the message when it
 * is published (recovery/link-tokens.ts), so the outbox never holds a usable link.
 */
export const notificationEvents = {
  welcome: (user: UserProfile) =>
    envelope("notification.welcome", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "welcome",
    }),
  emailVerification: (user: UserProfile, { tokenRef, expiresAt }: OneTimeLinkRef) =>
    envelope("notification.email_verification", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "email_verification",
      tokenRef,
      expiresAt: expiresAt.toISOString(),
    }),
  passwordReset: (user: UserProfile, { tokenRef, expiresAt }: OneTimeLinkRef) =>
    envelope("notification.password_reset", user.id, {
      userId: user.id,
      email: user.email,
      name: user.name,
      template: "password_reset",
      tokenRef,
      expiresAt: expiresAt.toISOString(),
    }),
};
