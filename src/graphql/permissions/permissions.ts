import { allow, race, shield } from "graphql-shield";
import { errors } from "../../core/errors";
import {
  canReadSubgraphSdl,
  denyByDefault,
  hasRole,
  isAuthenticated,
  isModeratorOnUserAccount,
  isSelfOrRole,
} from "./rules";

const staff = hasRole("ADMIN", "MODERATOR");
const isAdmin = hasRole("ADMIN");
/**
 * Contact and business fields: the user themselves, MODERATOR and ADMIN, in one rule that builds
 * no error unless it denies (a `race`/`or` of two rules builds the first rule's error before the
 * second allows: see isSelfOrRole).
 */
const selfOrStaff = isSelfOrRole("ADMIN", "MODERATOR");
// One instance per name: graphql-shield refuses two different rules with the same name.
const selfOrAdmin = isSelfOrRole("ADMIN");

/**
 * The permission table: every root field and every User field is listed; anything missing is
 * denied (`fallbackRule`). The permission matrix of docs/api.md mirrors this table, and
 * test/integration/permissions.test.ts checks both against the built schema.
 */
export const permissionTable = {
  Query: {
    me: isAuthenticated,
    user: staff,
    users: staff,
    auditLog: isAdmin,
    mySessions: isAuthenticated,
    exportMyData: isAuthenticated,
    // Federation. The router calls `_entities` with the caller's Authorization header to resolve
    // users other subgraphs refer to; what it may read of each is decided by the User rules below,
    // exactly as for a user reached directly. `_service` is the SDL, read by routers and Rover:
    // open, behind a shared secret, or closed, as FEDERATION_SDL_ACCESS says.
    _entities: isAuthenticated,
    _service: canReadSubgraphSdl,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: isAuthenticated,
    updateProfile: isAuthenticated,
    changePassword: isAuthenticated,
    adminCreateUser: isAdmin,
    setUserRole: isAdmin,
    // MODERATOR only for USER accounts: that needs the target, so the service checks it inside
    // the change's transaction (admin/admin.guards.ts assertModeratorScope).
    setUserActive: staff,
    unlockUser: isAdmin,
    revokeUserSessions: isAdmin,
    revokeUserSession: isAdmin,
    sendPasswordReset: isAdmin,
    deleteUser: isAdmin,
    // Account recovery: anyone holding a link (verifyEmail, resetPassword) or an address.
    requestEmailVerification: isAuthenticated,
    verifyEmail: allow,
    requestPasswordReset: allow,
    resetPassword: allow,
    deleteMyAccount: isAuthenticated,
    revokeSession: isAuthenticated,
    logoutAll: isAuthenticated,
  },
  // Checked when a subscription starts (see subscribe-guard.ts) and on every event.
  Subscription: {
    sessionEvents: isAuthenticated,
    userSessionEvents: isAdmin,
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
    businessNumberStatus: selfOrStaff,
    businessVerifiedAt: selfOrStaff,
    lockedUntil: staff,
    sessions: selfOrAdmin,
    // Reached through user, users, me, login payloads and _entities alike: one rule for all.
    loginHistory: race(selfOrAdmin, isModeratorOnUserAccount),
  },
  Session: { "*": allow },
  // SessionEvent.user is a User: its fields keep the User rules above.
  SessionEvent: { "*": allow },
  AuthPayload: { "*": allow },
  // Reached only through root fields closed to everyone but staff; their User nodes keep the
  // User rules above.
  UserConnection: { "*": allow },
  UserEdge: { "*": allow },
  PageInfo: { "*": allow },
  AuditEntryConnection: { "*": allow },
  AuditEntryEdge: { "*": allow },
  // Reached only through User.loginHistory, whose rule decides.
  LoginAttemptConnection: { "*": allow },
  LoginAttemptEdge: { "*": allow },
  LoginAttempt: { "*": allow },
  // Reached only through exportMyData, which returns the caller's own data; the profile inside
  // keeps the User rules above.
  UserDataExport: { "*": allow },
  ExportedLoginAttempt: { "*": allow },
  ExportedSession: { "*": allow },
  ExportedAuditEntry: { "*": allow },
  ExportedAccountToken: { "*": allow },
  // Who did what from which IP: ADMIN only, wherever an entry turns up.
  AuditEntry: { "*": isAdmin },
  _Service: { "*": allow },
};

/**
 * What a resolver throws passes through untouched (allowExternalErrors): graphql/errors.ts is the
 * one place that shows an AppError, masks anything else and logs it with the request id.
 */
export function permissions() {
  return shield(permissionTable, {
    fallbackRule: denyByDefault,
    allowExternalErrors: true,
    // A rule that answered `false` rather than with an error of its own.
    fallbackError: () => errors.forbidden(),
  });
}
