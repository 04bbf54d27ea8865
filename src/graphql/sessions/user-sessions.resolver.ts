import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../context";
import { UserType } from "../users/user.type";
import type { SessionService } from "../../sessions/session.service";
import { SessionType, toSessionType } from "./session.type";

/** `User.sessions`: the sessions of any user the caller may see them for (see permissions). */
@Resolver(() => UserType)
export class UserSessionsResolver {
  constructor(private readonly sessionService: SessionService) {}

  @FieldResolver(() => [SessionType], {
    description: "Live sessions, most recently used first. Visible to the user and ADMIN.",
  })
  async sessions(@Root() user: UserType, @Ctx() ctx: GraphQLContext): Promise<SessionType[]> {
    const records = await this.sessionService.list(user.id);
    return records.map((record) => toSessionType(record, ctx.auth.viewer?.sessionId));
  }
}
