import { allow, or, shield } from "graphql-shield";
import { AppError, errors } from "../errors";
import type { Logger } from "../infra/logger";
import type { GraphQLContext } from "../server/context";
import { denyByDefault, hasRole, isAuthenticated, isSelf } from "./rules";

const staff = hasRole("ADMIN", "MODERATOR");
const admin = hasRole("ADMIN");
/** Contact and business fields: the user themselves, MODERATOR and ADMIN. */
const selfOrStaff = or(isSelf, staff);

/**
 * The permission table: every root field and every User field is listed; anything missing is
 * denied (`fallbackRule`). The README's permission matrix mirrors this table, and
 * test/integration/permissions.test.ts checks both against the built schema.
 */
export const permissionTable = {
  Query: {
    me: isAuthenticated,
    mySessions: isAuthenticated,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: isAuthenticated,
    updateProfile: isAuthenticated,
    changePassword: isAuthenticated,
    revokeSession: isAuthenticated,
    logoutAll: isAuthenticated,
  },
  // Checked when a subscription starts (see authz/subscriptions.ts) and on every event.
  Subscription: {
    sessionEvents: isAuthenticated,
    userSessionEvents: admin,
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
    sessions: or(isSelf, admin),
  },
  AuthPayload: { "*": allow },
  Session: { "*": allow },
  SessionEvent: { "*": allow },
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
