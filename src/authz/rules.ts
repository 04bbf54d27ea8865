import { rule } from "graphql-shield";
import { errors } from "../errors";
import type { GraphQLContext } from "../server/context";
import type { Role } from "../users/user.model";

/**
 * Permission rules. Rules that read only the context are cached per request ("contextual");
 * rules that read the parent or arguments are cached per parent and arguments ("strict"), so an
 * owner check is never reused across two users in one response.
 */

export const isAuthenticated = rule({ cache: "contextual" })(
  (_parent, _args, ctx: GraphQLContext) =>
    ctx.auth.viewer ? true : (ctx.auth.error ?? errors.authenticationRequired()),
);

export const hasRole = (...roles: Role[]) =>
  rule(`hasRole(${roles.join(",")})`, { cache: "contextual" })(
    (_parent, _args, ctx: GraphQLContext) => {
      const viewer = ctx.auth.viewer;
      if (!viewer) return ctx.auth.error ?? errors.authenticationRequired();
      return roles.includes(viewer.user.role) ? true : errors.forbidden();
    },
  );

/** The parent `User` is the caller (or the user this very request has just signed in). */
export const isSelf = rule({ cache: "strict" })(
  (parent: { id?: string }, _args, ctx: GraphQLContext) => {
    if (parent.id !== undefined && parent.id === ctx.signedInUserId) return true;
    const viewer = ctx.auth.viewer;
    if (!viewer) return ctx.auth.error ?? errors.authenticationRequired();
    return parent.id === viewer.user.id ? true : errors.forbidden();
  },
);

/** For fields without a rule: closed, with the denial that fits who is asking. */
export const denyByDefault = rule({ cache: "contextual" })(
  (_parent, _args, ctx: GraphQLContext) =>
    ctx.auth.viewer ? errors.forbidden() : (ctx.auth.error ?? errors.authenticationRequired()),
);
