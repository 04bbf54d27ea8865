import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import type { SessionService } from "../../sessions/session.service";
import { SessionType, toSessionType } from "./session.type";

@Resolver(() => SessionType)
export class SessionResolver {
  constructor(private readonly sessions: SessionService) {}

  @Query(() => [SessionType], {
    description: "The signed-in user's live sessions, most recently used first.",
  })
  async mySessions(@Ctx() ctx: GraphQLContext): Promise<SessionType[]> {
    const viewer = viewerOf(ctx);
    const records = await this.sessions.list(viewer.user.id);
    return records.map((record) => toSessionType(record, viewer.sessionId));
  }

  @Mutation(() => Boolean, {
    description:
      "Ends one of the signed-in user's sessions (the current one too). An id that is not one of theirs is SESSION_NOT_FOUND.",
  })
  revokeSession(
    @Arg("id", () => ID, { description: "One of the caller's session ids (mySessions)." }) id: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.sessions.revokeOwn(viewerOf(ctx), id, causeOf(ctx));
  }

  @Mutation(() => Int, {
    description: "Ends every session of the signed-in user, the current one included; returns how many.",
  })
  logoutAll(@Ctx() ctx: GraphQLContext) {
    return this.sessions.logoutAll(viewerOf(ctx), causeOf(ctx));
  }
}
