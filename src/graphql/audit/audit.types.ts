import { GraphQLDateTime, GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { PageInfoType } from "../paging";
import { AuditAction } from "../../audit/audit.model";

registerEnumType(AuditAction, {
  name: "AuditAction",
  description: "What an admin or moderator did.",
  valuesConfig: {
    USER_CREATED: { description: "adminCreateUser, or admin:create making a new admin." },
    ROLE_CHANGED: { description: "setUserRole, or admin:create promoting; details oldRole, newRole." },
    USER_DISABLED: { description: "setUserActive(active: false)." },
    USER_ENABLED: { description: "setUserActive(active: true), or admin:create re-enabling." },
    USER_UNLOCKED: { description: "unlockUser; details the lock and failure count it cleared." },
    SESSIONS_REVOKED: { description: "revokeUserSessions; details count." },
    SESSION_REVOKED: { description: "revokeUserSession (one session of a user); details sessionId." },
    PASSWORD_RESET_SENT: {
      description:
        "sendPasswordReset: a reset link was e-mailed to the user; details expiresAt (never the link).",
    },
    USER_DELETED: {
      description:
        "deleteUser (erasure), or deleteMyAccount (the person, actor = target; details selfService).",
    },
  },
});

@ObjectType("AuditEntry", { description: "One thing an admin or moderator did. ADMIN only." })
export class AuditEntryType {
  @Field(() => ID, { description: "Identifier of the entry." })
  id!: string;

  @Field(() => AuditAction, { description: "What was done." })
  action!: AuditAction;

  @Field(() => ID, { nullable: true, description: "Who did it; null when the system did (admin:create)." })
  actorId!: string | null;

  @Field(() => ID, { nullable: true, description: "The user it was done to." })
  targetId!: string | null;

  @Field(() => GraphQLJSONObject, { description: "What changed, e.g. { oldRole, newRole }." })
  details!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The client IP of the request." })
  ipAddress!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The request id (X-Request-Id), to find it in the logs.",
  })
  requestId!: string | null;

  @Field(() => GraphQLDateTime, { description: "When it was done (committed with the change)." })
  createdAt!: Date;
}

@InputType({ description: "Narrows `auditLog`; every given condition must hold." })
export class AuditFilter {
  @Field(() => ID, { nullable: true, description: "Entries of what this user did." })
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: "Entries of what was done to this user." })
  targetId?: string | null;

  @Field(() => AuditAction, { nullable: true, description: "Entries of this action only." })
  action?: AuditAction | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "At or after this time." })
  createdAfter?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "Before this time." })
  createdBefore?: Date | null;
}

@ObjectType("AuditEntryEdge", { description: "An audit entry and its place in the log." })
export class AuditEntryEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this entry." })
  cursor!: string;

  @Field(() => AuditEntryType, { description: "The entry." })
  node!: AuditEntryType;
}

@ObjectType("AuditEntryConnection", { description: "A page of the audit log, newest first." })
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge], { description: "The entries of this page, newest first." })
  edges!: AuditEntryEdge[];

  @Field(() => PageInfoType, { description: "Whether more entries follow, and the cursor to ask for them." })
  pageInfo!: PageInfoType;
}
