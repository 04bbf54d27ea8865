import { GraphQLDateTime } from "graphql-scalars";
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../context";
import { UserType } from "../users/user.type";

/** User fields for staff that are not part of the profile; read through the request's loader. */
@Resolver(() => UserType)
export class UserAccountResolver {
  @FieldResolver(() => GraphQLDateTime, {
    nullable: true,
    description:
      "Until when logins are refused after too many failures; null when not locked (unlockUser clears it). ADMIN and MODERATOR.",
  })
  async lockedUntil(@Root() user: UserType, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return (await ctx.loaders.lockouts.load(user.email)).lockedUntil;
  }
}
