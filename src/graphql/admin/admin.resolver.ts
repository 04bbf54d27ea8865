import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { Role, roleFromGraphQL } from "../enums";
import { causeOf, viewerOf, type GraphQLContext } from "../context";
import { refreshLoaded } from "../users/user.loader";
import type { UserProfile } from "../../users/user.model";
import { UserType } from "../users/user.type";
import { AdminCreateUserInput, UserConnection, UserFilter, UserOrder } from "./admin.types";
import type { AdminPasswordResetService } from "../../admin/admin-password-reset.service";
import type { UserAdminService } from "../../admin/user-admin.service";
import type { UserDirectoryService } from "../../admin/user-directory.service";

/** Later fields of the same request see the changed user, not what the loader read before. */
function seen(ctx: GraphQLContext, user: UserProfile): UserProfile {
  refreshLoaded(ctx.loaders, user);
  return user;
}

@Resolver()
export class AdminResolver {
  constructor(
    private readonly directory: UserDirectoryService,
    private readonly admin: UserAdminService,
    private readonly passwordReset: AdminPasswordResetService,
  ) {}

  @Query(() => UserType, {
    nullable: true,
    description: "One user by id; null when there is none. ADMIN and MODERATOR.",
  })
  user(@Arg("id", () => ID, { description: "The user's id." }) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.users.load(id);
  }

  @Query(() => UserConnection, {
    description:
      "Finds users, a page at a time (keyset cursors: pages stay correct while users are added). `first` is at most 100. ADMIN and MODERATOR.",
  })
  users(
    @Arg("filter", () => UserFilter, { nullable: true, description: "Conditions every listed user meets." })
    filter: UserFilter | undefined,
    @Arg("first", () => Int, { defaultValue: 20, description: "Page size, 1 to 100." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "`pageInfo.endCursor` of the previous page." })
    after: string | undefined,
    @Arg("orderBy", () => UserOrder, { nullable: true, description: "Default: newest first." }) orderBy:
      | UserOrder
      | undefined,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.directory.list({ filter, first, after, orderBy }).then((page) => {
      for (const { node } of page.edges) ctx.loaders.users.prime(node.id, node);
      return page;
    });
  }

  @Mutation(() => UserType, { description: "Creates an account with any role. ADMIN." })
  adminCreateUser(
    @Arg("input", () => AdminCreateUserInput, { description: "The new account." })
    input: AdminCreateUserInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.createUser(viewerOf(ctx).user, input, causeOf(ctx)).then((u) => seen(ctx, u));
  }

  @Mutation(() => UserType, {
    description:
      "Changes a user's role and ends their sessions. ADMIN; not on yourself; the last active ADMIN cannot be demoted.",
  })
  setUserRole(
    @Arg("userId", () => ID, { description: "The account to change." }) userId: string,
    @Arg("role", () => Role, { description: "The new role." }) role: Role,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin
      .setRole(viewerOf(ctx).user, userId, roleFromGraphQL(role), causeOf(ctx))
      .then((u) => seen(ctx, u));
  }

  @Mutation(() => UserType, {
    description:
      "Disables (ending every session) or re-enables an account. ADMIN; MODERATOR for USER accounts; not on yourself; never the last active ADMIN.",
  })
  setUserActive(
    @Arg("userId", () => ID, { description: "The account to change." }) userId: string,
    @Arg("active", () => Boolean, { description: "false disables the account, true re-enables it." })
    active: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.setActive(viewerOf(ctx).user, userId, active, causeOf(ctx)).then((u) => seen(ctx, u));
  }

  @Mutation(() => UserType, { description: "Clears a login lockout and the failed-login count. ADMIN." })
  unlockUser(
    @Arg("userId", () => ID, { description: "The account to change." }) userId: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.unlock(viewerOf(ctx).user, userId, causeOf(ctx)).then((u) => seen(ctx, u));
  }

  @Mutation(() => Int, { description: "Ends every session of a user; returns how many. ADMIN." })
  revokeUserSessions(
    @Arg("userId", () => ID, { description: "The account to change." }) userId: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.revokeSessions(viewerOf(ctx).user, userId, causeOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      "Ends one session of a user (the device signs out at once). ADMIN. A session id that is not one of the user's is SESSION_NOT_FOUND.",
  })
  revokeUserSession(
    @Arg("userId", () => ID, { description: "The account whose session ends." }) userId: string,
    @Arg("sessionId", () => ID, { description: "One of its session ids (`User.sessions`)." })
    sessionId: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.revokeSession(viewerOf(ctx).user, userId, sessionId, causeOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      "E-mails the user a password reset link (earlier links stop working), as requestPasswordReset would, and writes an audit entry. ADMIN. A disabled account is ACCOUNT_DISABLED (enable it first); the per-address limit of requestPasswordReset applies.",
  })
  sendPasswordReset(
    @Arg("userId", () => ID, { description: "The account to send the link to." }) userId: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.passwordReset.send(viewerOf(ctx).user, userId, causeOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      "Erases a person: the account is anonymised, its login history deleted, its sessions ended; the email is free again. ADMIN; not yourself; never the last active ADMIN.",
  })
  deleteUser(
    @Arg("userId", () => ID, { description: "The account to change." }) userId: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.admin.deleteUser(viewerOf(ctx).user, userId, causeOf(ctx)).then((done) => {
      ctx.loaders.users.clear(userId);
      return done;
    });
  }
}
