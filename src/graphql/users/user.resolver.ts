import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import { UpdateProfileInput } from "./user.input";
import type { UserService } from "../../users/user.service";
import { UserType } from "./user.type";

@Resolver(() => UserType)
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Query(() => UserType, { description: "The signed-in user." })
  me(@Ctx() ctx: GraphQLContext) {
    return viewerOf(ctx).user;
  }

  @Mutation(() => UserType, { description: "Changes the signed-in user's own profile." })
  updateProfile(
    @Arg("input", () => UpdateProfileInput, { description: "The fields to change." })
    input: UpdateProfileInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.users.updateProfile(viewerOf(ctx), input, causeOf(ctx));
  }
}
