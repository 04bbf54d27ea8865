import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import { signedInUser } from "../permissions/signed-in";
import type { AuthPayload, AuthService } from "../../auth/auth.service";
import { AuthPayloadType, ChangePasswordInput, LoginInput, RegisterInput } from "./auth.types";

/**
 * The payload's user is the caller from here on, for the fields of this response (see
 * permissions/signed-in.ts), and the request's log line names them.
 */
function signedIn(ctx: GraphQLContext, payload: AuthPayload): AuthPayload {
  if (ctx.scope) ctx.scope.record.userId = payload.user.id;
  return { ...payload, user: signedInUser(payload.user) };
}

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayloadType, { description: "Creates an account (role USER) and signs it in." })
  register(
    @Arg("input", () => RegisterInput, { description: "The new account." }) input: RegisterInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.auth.register(input, causeOf(ctx)).then((p) => signedIn(ctx, p));
  }

  @Mutation(() => AuthPayloadType, {
    description:
      "Signs in with email and password and opens a session. Wrong email or password: INVALID_CREDENTIALS; after too many failures the account is locked (ACCOUNT_LOCKED).",
  })
  login(
    @Arg("input", () => LoginInput, { description: "Email and password." }) input: LoginInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.auth.login(input, causeOf(ctx)).then((p) => signedIn(ctx, p));
  }

  @Mutation(() => AuthPayloadType, {
    description:
      "Exchanges a refresh token for a new pair. Each refresh token works once; presenting a used one ends the session (TOKEN_INVALID).",
  })
  refreshToken(
    @Arg("refreshToken", () => String, { description: "The refresh token of the current pair." })
    refreshToken: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.auth.refresh(refreshToken, causeOf(ctx)).then((p) => signedIn(ctx, p));
  }

  @Mutation(() => Boolean, { description: "Ends the current session: its tokens stop working at once." })
  logout(@Ctx() ctx: GraphQLContext) {
    return this.auth.logout(viewerOf(ctx), causeOf(ctx));
  }

  @Mutation(() => Boolean, {
    description: "Changes the password (the current one is required) and ends every other session.",
  })
  changePassword(
    @Arg("input", () => ChangePasswordInput, { description: "Current and new password." })
    input: ChangePasswordInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.auth.changePassword(viewerOf(ctx), input, causeOf(ctx));
  }
}
