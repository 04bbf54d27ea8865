import type { Cause } from "../outbox/event.model";

/** What an audit entry records. Stored as text, so adding an action needs no migration. */
export const AuditAction = {
  USER_CREATED: "USER_CREATED",
  ROLE_CHANGED: "ROLE_CHANGED",
  USER_DISABLED: "USER_DISABLED",
  USER_ENABLED: "USER_ENABLED",
  USER_UNLOCKED: "USER_UNLOCKED",
  SESSIONS_REVOKED: "SESSIONS_REVOKED",
  SESSION_REVOKED: "SESSION_REVOKED",
  PASSWORD_RESET_SENT: "PASSWORD_RESET_SENT",
  USER_DELETED: "USER_DELETED",
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** Plain JSON values only; never an email, a name, a password, a hash or a token. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

export interface NewAuditEntry {
  actorId: string | null;
  action: AuditAction;
  targetId: string | null;
  details: AuditDetails;
  ipAddress: string | null;
  requestId: string | null;
}

export interface AuditRecord extends NewAuditEntry {
  id: string;
  createdAt: Date;
}

/** An entry for `action` on `targetId`, attributed to whoever caused the request. */
export function auditEntry(
  cause: Cause,
  action: AuditAction,
  targetId: string | null,
  details: AuditDetails = {},
): NewAuditEntry {
  return {
    actorId: cause.actorId ?? null,
    action,
    targetId,
    details,
    ipAddress: cause.ipAddress ?? null,
    requestId: cause.requestId || null,
  };
}
