import { rule } from "graphql-shield";
import { errors } from "../../core/errors";
import type { GraphQLContext } from "../context";
import type { Role } from "../../users/user.model";
import { isSignedInUser } from "./signed-in";

/**
 * Permission rules. Rules that read only the context are cached per request ("contextual").
 * Rules that read the parent or arguments are not cached at all ("no_cache"), so an owner check is
 * never reused across two users in one response; graphql-shield's "strict" cache would be as
 * safe, but it hashes the parent and arguments (object-hash) on every field, which costs far
 * more than comparing two ids.
 */

export const isAuthenticated = rule({ cache: "contextual" })((_parent, _args, ctx: GraphQLContext) =>
  ctx.auth.viewer ? true : (ctx.auth.error ?? errors.authenticationRequired()),
);

export const hasRole = (...roles: Role[]) =>
  rule(`hasRole(${roles.join(",")})`, { cache: "contextual" })((_parent, _args, ctx: GraphQLContext) => {
    const viewer = ctx.auth.viewer;
    if (!viewer) return ctx.auth.error ?? errors.authenticationRequired();
    return roles.includes(viewer.user.role) ? true : errors.forbidden();
  });

/**
 * The parent `User` is the caller (or the user this very request has just signed in), or the
 * caller holds one of `roles`. One rule that builds an error only on a real denial: as
 * `race(isSelf, hasRole(…))` the self check built a FORBIDDEN error (with its captured stack) for
 * every other user before the role check allowed, a sixth of an admin's page of 20 users. The
 * denials stay the race's: the caller's authentication error when signed out, FORBIDDEN otherwise.
 */
export const isSelfOrRole = (...roles: Role[]) =>
  rule(`isSelfOrRole(${roles.join(",")})`, { cache: "no_cache" })(
    (parent: { id?: string }, _args, ctx: GraphQLContext) => {
      if (isSignedInUser(parent)) return true;
      const viewer = ctx.auth.viewer;
      if (!viewer) return ctx.auth.error ?? errors.authenticationRequired();
      if (parent.id === viewer.user.id || roles.includes(viewer.user.role)) return true;
      return errors.forbidden();
    },
  );

/**
 * A MODERATOR reading a field of a USER account (the parent User). Moderators look after USER
 * accounts; other staff accounts are the admins' business.
 */
export const isModeratorOnUserAccount = rule({ cache: "no_cache" })(
  (parent: { role?: Role }, _args, ctx: GraphQLContext) => {
    const viewer = ctx.auth.viewer;
    if (!viewer) return ctx.auth.error ?? errors.authenticationRequired();
    return viewer.user.role === "MODERATOR" && parent.role === "USER" ? true : errors.forbidden();
  },
);

/** For fields without a rule: closed, with the denial that fits who is asking. */
export const denyByDefault = rule({ cache: "contextual" })((_parent, _args, ctx: GraphQLContext) =>
  ctx.auth.viewer ? errors.forbidden() : (ctx.auth.error ?? errors.authenticationRequired()),
);

/** `_service { sdl }`: as FEDERATION_SDL_ACCESS decides for this request (server/federation-sdl.ts). */
export const canReadSubgraphSdl = rule({ cache: "contextual" })((_parent, _args, ctx: GraphQLContext) =>
  ctx.subgraphSdlAllowed?.() ? true : errors.subgraphSdlForbidden(),
);
