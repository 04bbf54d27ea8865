import { allow, race, shield } from "graphql-shield";
import { AppError, errors } from "../errors";
import type { Logger } from "../infra/logger";
import type { GraphQLContext } from "../server/context";
import { denyByDefault, hasRole, isAuthenticated, isSelf } from "./rules";

const staff = hasRole("ADMIN", "MODERATOR");
/**
 * Contact and business fields: the user themselves, MODERATOR and ADMIN. `race` tries the rules
 * in order and stops at the first that allows (`or` evaluates both), so reading one's own profile
 * never builds the FORBIDDEN error of the staff check: that error was most of `me`'s permission
 * cost.
 */
const selfOrStaff = race(isSelf, staff);

/**
 * The permission table: every root field and every User field is listed; anything missing is
 * denied (`fallbackRule`). The README's permission matrix mirrors this table, and
 * test/integration/permissions.test.ts checks both against the built schema.
 */
export const permissionTable = {
  Query: {
    me: isAuthenticated,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: isAuthenticated,
    updateProfile: isAuthenticated,
    changePassword: isAuthenticated,
  },
  User: {
    id: allow,
    name: allow,
    role: allow,
    isActive: allow,
    isVerified: allow,
    createdAt: allow,
    updatedAt: allow,
    lastLoginAt: allow,
    email: selfOrStaff,
    phone: selfOrStaff,
    businessType: selfOrStaff,
    businessNumber: selfOrStaff,
    industry: selfOrStaff,
    region: selfOrStaff,
  },
  AuthPayload: { "*": allow },
};

export function permissions(logger: Logger) {
  return shield(permissionTable, {
    fallbackRule: denyByDefault,
    allowExternalErrors: false,
    // Called with what a resolver threw: our own errors pass, anything else is masked here and
    // logged with the request id (allowExternalErrors is off).
    fallbackError: async (thrown, _parent, _args, ctx) => {
      if (thrown instanceof AppError) return thrown;
      if (thrown === null) return errors.forbidden();
      ((ctx as Partial<GraphQLContext>).logger ?? logger).error(
        { err: thrown },
        "unexpected error in resolver",
      );
      return errors.internal();
    },
  });
}
