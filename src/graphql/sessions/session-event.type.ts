import { GraphQLDateTime } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import type { SessionEventType } from "../../sessions/session-event";

/** The GraphQL enum `SessionEventType`, from the same names as the TypeScript union. */
export const SessionEventKind = {
  SESSION_CREATED: "SESSION_CREATED",
  SESSION_REFRESHED: "SESSION_REFRESHED",
  SESSION_REVOKED: "SESSION_REVOKED",
  LOGIN_FAILED: "LOGIN_FAILED",
  ACCOUNT_LOCKED: "ACCOUNT_LOCKED",
  PASSWORD_CHANGED: "PASSWORD_CHANGED",
} as const satisfies { [K in SessionEventType]: K };

registerEnumType(SessionEventKind, {
  name: "SessionEventType",
  description: "What happened to a user's sessions or sign-in.",
  valuesConfig: {
    SESSION_CREATED: { description: "A login or registration opened a session." },
    SESSION_REFRESHED: { description: "A refresh token was exchanged for a new pair." },
    SESSION_REVOKED: {
      description:
        "A session ended; `reason` says why: LOGOUT, LOGOUT_ALL, REVOKED_BY_USER, REVOKED_BY_ADMIN, SESSION_LIMIT, REFRESH_TOKEN_REUSE, PASSWORD_CHANGED, ACCOUNT_DISABLED, ROLE_CHANGED, ACCOUNT_DELETED…",
    },
    LOGIN_FAILED: {
      description:
        "A login with this account's email failed; `reason` says why (INVALID_PASSWORD, ACCOUNT_LOCKED, ACCOUNT_DISABLED…).",
    },
    ACCOUNT_LOCKED: {
      description:
        "Too many failed logins locked the account; `reason` is the time the lock ends (ISO 8601).",
    },
    PASSWORD_CHANGED: { description: "The password was changed; `sessionId` is the session that did it." },
  },
});

@ObjectType("SessionEvent", { description: "Something that happened to a user's sessions, as it happens." })
export class SessionEventObject {
  @Field(() => SessionEventKind, { description: "What happened." })
  type!: SessionEventType;

  @Field(() => ID, { description: "The user whose session or account it concerns." })
  userId!: string;

  @Field(() => ID, { nullable: true, description: "The session concerned, when there is one." })
  sessionId!: string | null;

  @Field(() => GraphQLDateTime, { description: "When it happened." })
  occurredAt!: Date;

  @Field(() => String, { nullable: true, description: "IP address of the request that caused it." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "User-Agent of the request that caused it." })
  userAgent!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Why, for SESSION_REVOKED, LOGIN_FAILED and ACCOUNT_LOCKED.",
  })
  reason!: string | null;
}
