import { GraphQLDateTime } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import type { SessionRecord } from "../../sessions/session.store";

@ObjectType("Session", {
  description:
    "A signed-in session: one login and the refresh tokens that rotate from it. Ending it stops its access and refresh tokens at once.",
})
export class SessionType {
  @Field(() => ID, { description: "Session id: the `sid` claim of the session's tokens." })
  id!: string;

  @Field(() => GraphQLDateTime, { description: "When the login happened." })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, {
    description:
      "Last time the session was used (a request or a refresh); written at most every SESSION_TOUCH_INTERVAL_SECONDS.",
  })
  lastUsedAt!: Date;

  @Field(() => GraphQLDateTime, {
    description: "When the session ends unless refreshed (each refresh moves it forward).",
  })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: "Client IP address at login." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "Client User-Agent at login." })
  userAgent!: string | null;

  @Field(() => Boolean, { description: "True for the session the request itself belongs to." })
  current!: boolean;
}

/** A stored session as the API shows it to a caller whose own session is `currentSessionId`. */
export function toSessionType(record: SessionRecord, currentSessionId?: string): SessionType {
  return {
    id: record.id,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
    ipAddress: record.ipAddress ?? null,
    userAgent: record.userAgent ?? null,
    current: record.id === currentSessionId,
  };
}
