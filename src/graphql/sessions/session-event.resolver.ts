import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from "type-graphql";
import { UserType } from "../users/user.type";
import { viewerOf, type GraphQLContext } from "../context";
import type { SessionEvent } from "../../sessions/session-event";
import { SessionTopic } from "../../sessions/session-event.bus";
import { SessionEventObject } from "./session-event.type";

/** Session events are plain JSON on the wire between processes; the API shows typed values. */
function toObject(event: SessionEvent): SessionEventObject {
  return { ...event, occurredAt: new Date(event.occurredAt) };
}

/**
 * Live session events over WebSocket (graphql-ws). Permissions are checked when the subscription
 * starts (graphql-shield, see graphql/permissions/subscribe-guard.ts); the socket is closed when its right to
 * exist ends (server/connection.guard.ts).
 */
@Resolver(() => SessionEventObject)
export class SessionEventResolver {
  @Subscription(() => SessionEventObject, {
    description: "The signed-in user's own session events, in order, as they happen.",
    topics: SessionTopic.EVENTS,
    topicId: ({ context }) => viewerOf(context as GraphQLContext).user.id,
  })
  sessionEvents(@Root() event: SessionEvent): SessionEventObject {
    return toObject(event);
  }

  @Subscription(() => SessionEventObject, {
    description: "ADMIN: the session events of one user, or of every user when userId is null.",
    topics: SessionTopic.EVENTS,
    topicId: ({ args }) => (args as { userId?: string | null }).userId ?? undefined,
  })
  userSessionEvents(
    @Root() event: SessionEvent,
    @Arg("userId", () => ID, { nullable: true, description: "Omit or null for every user." })
    _userId?: string | null,
  ): SessionEventObject {
    return toObject(event);
  }

  /**
   * The user, read fresh for every event (a subscription's loaders live as long as it does, so
   * the cached profile is dropped first). Its fields keep the User rules: an admin watching
   * everyone sees e-mails, a user watching their own events sees their own.
   */
  @FieldResolver(() => UserType, {
    nullable: true,
    description:
      "The user the event concerns (null if the account no longer exists), to show without a second request.",
  })
  user(@Root() event: SessionEventObject, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.users.clear(event.userId).load(event.userId);
  }
}
