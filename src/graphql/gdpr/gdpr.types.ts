import { GraphQLDateTime, GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { AuditAction } from "../../audit/audit.model";
import { AccountTokenPurpose } from "../enums";
import { UserType } from "../users/user.type";

registerEnumType(AccountTokenPurpose, {
  name: "AccountTokenPurpose",
  description: "What a one-time link was for.",
  valuesConfig: {
    EMAIL_VERIFICATION: { description: "An e-mail verification link." },
    PASSWORD_RESET: { description: "A password reset link." },
  },
});

@ObjectType("ExportedLoginAttempt", { description: "One login attempt, as the login history keeps it." })
export class ExportedLoginAttempt {
  @Field(() => String, { description: "The email the attempt named." })
  email!: string;

  @Field(() => String, { nullable: true, description: "The client IP." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "The client's User-Agent." })
  userAgent!: string | null;

  @Field(() => Boolean, { description: "Whether it signed in." })
  success!: boolean;

  @Field(() => String, { nullable: true, description: "Why it failed (INVALID_PASSWORD, ACCOUNT_LOCKED…)." })
  failureReason!: string | null;

  @Field(() => GraphQLDateTime, { description: "When." })
  createdAt!: Date;
}

@ObjectType("ExportedSession", { description: "A live session (a signed-in device)." })
export class ExportedSession {
  @Field(() => ID, { description: "The session id." })
  id!: string;

  @Field(() => GraphQLDateTime, { description: "When it was opened (login or registration)." })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: "When it was last used (to the minute or so)." })
  lastUsedAt!: Date;

  @Field(() => GraphQLDateTime, { description: "When it ends unless refreshed." })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: "The IP it was opened from." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "The User-Agent it was opened with." })
  userAgent!: string | null;

  @Field(() => Boolean, { description: "True for the session this export was made with." })
  current!: boolean;
}

@ObjectType("ExportedAuditEntry", {
  description:
    "An audit entry that names the caller, as actor or as target. The IP address is given only for what the caller did themselves (another person's IP is theirs, not the caller's).",
})
export class ExportedAuditEntry {
  @Field(() => ID, { description: "The entry's id." })
  id!: string;

  @Field(() => AuditAction, { description: "What was done." })
  action!: AuditAction;

  @Field(() => ID, { nullable: true, description: "Who did it; null when the system did." })
  actorId!: string | null;

  @Field(() => ID, { nullable: true, description: "Whom it was done to." })
  targetId!: string | null;

  @Field(() => GraphQLJSONObject, { description: "What changed." })
  details!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "The client IP, when the caller was the actor." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "The request id." })
  requestId!: string | null;

  @Field(() => GraphQLDateTime, { description: "When." })
  createdAt!: Date;
}

@ObjectType("ExportedAccountToken", {
  description: "A one-time link issued to the caller (the token itself is never stored).",
})
export class ExportedAccountToken {
  @Field(() => AccountTokenPurpose, { description: "What the link was for." })
  purpose!: AccountTokenPurpose;

  @Field(() => GraphQLDateTime, { description: "When it was issued." })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: "When it stops (or stopped) working." })
  expiresAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: "When it was used; null if never." })
  usedAt!: Date | null;
}

@ObjectType("UserDataExport", {
  description:
    "Everything the gateway keeps about the caller (GDPR data portability): profile, lockout state, login history, live sessions, audit entries that concern them, and the one-time links issued to them.",
})
export class UserDataExport {
  @Field(() => GraphQLDateTime, { description: "When the export was made." })
  exportedAt!: Date;

  @Field(() => UserType, { description: "The profile." })
  profile!: UserType;

  @Field(() => Int, { description: "Failed logins in a row since the last success." })
  failedLoginAttempts!: number;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: "Until when logins are refused; null when not locked.",
  })
  lockedUntil!: Date | null;

  @Field(() => [ExportedLoginAttempt], { description: "Every login attempt kept, oldest first." })
  loginHistory!: ExportedLoginAttempt[];

  @Field(() => [ExportedSession], { description: "The live sessions, most recently used first." })
  sessions!: ExportedSession[];

  @Field(() => [ExportedAuditEntry], { description: "Audit entries naming the caller, oldest first." })
  auditEntries!: ExportedAuditEntry[];

  @Field(() => [ExportedAccountToken], { description: "One-time links issued, without their tokens." })
  accountTokens!: ExportedAccountToken[];
}
