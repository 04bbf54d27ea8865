import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import type { AccountDeletionService } from "../../gdpr/account-deletion.service";
import type { DataExportService } from "../../gdpr/data-export.service";
import { UserDataExport } from "./gdpr.types";

/** The person's own data: take it with them, or erase it. */
@Resolver()
export class GdprResolver {
  constructor(
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Query(() => UserDataExport, {
    description:
      "Everything the gateway keeps about the signed-in user: profile, login history, live sessions, audit entries that concern them, one-time links issued.",
  })
  exportMyData(@Ctx() ctx: GraphQLContext) {
    return this.exports.export(viewerOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      "Erases the signed-in user's account: anonymised, login history deleted, every session ended, user.deleted emitted; the e-mail can register again. Needs the password (INVALID_CREDENTIALS otherwise). The last active ADMIN cannot (LAST_ADMIN).",
  })
  deleteMyAccount(
    @Arg("password", () => String, { description: "The account's current password." }) password: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.deletion.deleteMyAccount(viewerOf(ctx), password, causeOf(ctx)).then((done) => {
      ctx.loaders.users.clear(viewerOf(ctx).user.id);
      return done;
    });
  }
}
