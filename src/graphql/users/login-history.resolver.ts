import { Arg, FieldResolver, Int, Resolver, Root } from "type-graphql";
import type { LoginHistoryService } from "../../users/login-history.service";
import { LoginAttemptConnection } from "./login-history.type";
import { UserType } from "./user.type";

/** `User.loginHistory`: wherever a User is reached (user, users, me, _entities), one rule decides. */
@Resolver(() => UserType)
export class LoginHistoryResolver {
  constructor(private readonly history: LoginHistoryService) {}

  @FieldResolver(() => LoginAttemptConnection, {
    description:
      "Login attempts with this account's address since it exists, newest first, a page at a time (`first` at most 100). The user themselves, ADMIN, and MODERATOR for USER accounts.",
  })
  loginHistory(
    @Root() user: UserType,
    @Arg("first", () => Int, { defaultValue: 20, description: "Page size, 1 to 100." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "`pageInfo.endCursor` of the previous page." })
    after: string | undefined,
  ) {
    return this.history.page(user.id, first, after);
  }
}
