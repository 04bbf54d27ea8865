import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import { refreshLoaded } from "../users/user.loader";
import { UserType } from "../users/user.type";
import type { EmailVerificationService } from "../../recovery/email-verification.service";
import type { PasswordResetService } from "../../auth/password-reset.service";

/** E-mail verification and password reset: one-time links sent through the notification service. */
@Resolver()
export class RecoveryResolver {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly reset: PasswordResetService,
  ) {}

  @Mutation(() => Boolean, {
    description:
      "Sends the signed-in user a new e-mail verification link (earlier links stop working); false, and nothing sent, when the address is already verified. Rate limited per e-mail and per IP.",
  })
  requestEmailVerification(@Ctx() ctx: GraphQLContext) {
    return this.verification.request(viewerOf(ctx), causeOf(ctx));
  }

  @Mutation(() => UserType, {
    description:
      "Verifies the e-mail address with the token from the verification link. The token works once; unknown, malformed, used or expired tokens are VERIFICATION_TOKEN_INVALID. Anyone holding the link may call it.",
  })
  verifyEmail(
    @Arg("token", () => String, { description: "The token from the verification link." }) token: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.verification.verify(token, causeOf(ctx)).then((user) => {
      refreshLoaded(ctx.loaders, user);
      return user;
    });
  }

  @Mutation(() => Boolean, {
    description:
      "Sends a password reset link to the address if it has an account. Always true for a well-formed address, in the same time, so it never tells who has an account. Rate limited per e-mail and per IP.",
  })
  requestPasswordReset(
    @Arg("email", () => String, { description: "The account's login e-mail." }) email: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.reset.request(email, causeOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      "Sets a new password with the token from the reset link: the policy applies, every session ends, a login lockout is cleared. The token works once; otherwise RESET_TOKEN_INVALID.",
  })
  resetPassword(
    @Arg("token", () => String, { description: "The token from the reset link." }) token: string,
    @Arg("newPassword", () => String, { description: "Must meet the password policy." }) newPassword: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.reset.reset(token, newPassword, causeOf(ctx));
  }
}
