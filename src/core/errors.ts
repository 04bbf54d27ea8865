/**
 * The error catalog, transport-neutral: every error a client can see comes from here. `code` is
 * the registry name (or a standard code such as UNAUTHENTICATED), `errorCode` the stable USER_xxxx
 * code. The numbers are a public contract: never renumber, only add. Services throw these; the
 * GraphQL layer (graphql/errors.ts) is the one place that turns them into GraphQL errors
 * (`extensions.code`, `extensions.errorCode` and the details) and masks everything else.
 */
export const ERROR_CODES = {
  INVALID_CREDENTIALS: "USER_1001",
  ACCOUNT_DISABLED: "USER_1002",
  ACCOUNT_LOCKED: "USER_1003",
  EMAIL_NOT_VERIFIED: "USER_1004",
  TOKEN_EXPIRED: "USER_1005",
  TOKEN_INVALID: "USER_1006",
  VERIFICATION_TOKEN_INVALID: "USER_1007",
  RESET_TOKEN_INVALID: "USER_1008",
  USER_NOT_FOUND: "USER_1101",
  EMAIL_ALREADY_EXISTS: "USER_1102",
  WEAK_PASSWORD: "USER_1103",
  INVALID_EMAIL_FORMAT: "USER_1104",
  SESSION_NOT_FOUND: "USER_1201",
  TOO_MANY_SUBSCRIPTIONS: "USER_1204",
  TOO_MANY_CONNECTIONS: "USER_1205",
  RATE_LIMITED: "USER_1301",
  RATE_LIMIT_UNAVAILABLE: "USER_1302",
  SERVICE_UNAVAILABLE: "USER_1303",
} as const;

/**
 * Numbers given out once and never sent (an expired session is simply not found; the session
 * limit evicts the oldest session instead of refusing). Kept so that no new error takes them.
 */
export const RETIRED_ERROR_CODES = {
  SESSION_EXPIRED: "USER_1202",
  TOO_MANY_SESSIONS: "USER_1203",
} as const;

export type ErrorName = keyof typeof ERROR_CODES;

/** Why an admin operation that the permission table allows was refused all the same. */
export type GuardReason = "SELF_CHANGE" | "LAST_ADMIN" | "MODERATOR_SCOPE" | "ACTOR_CHANGED";

/** A GraphQL-standard code that is not in the registry. */
type StandardCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_USER_INPUT"
  | "INTERNAL_SERVER_ERROR"
  | "REQUEST_TIMEOUT"
  | "BAD_REQUEST"
  | "PAYLOAD_TOO_LARGE"
  | "NOT_FOUND";

/** What a client may read of an error besides its message: the code, then the details. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * An error we expect and are happy to show the client as it is: `code` (a registry name or a
 * standard code) and `details` (errorCode, reason, field, retryAfterSeconds…, in the order the
 * client sees them). Not a GraphQL error: services and stores throw it whatever the transport.
 * Anything else that reaches a client is masked as INTERNAL_SERVER_ERROR.
 */
export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    message: string,
    readonly code: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }

  /** The stable USER_xxxx number, when the error has one. */
  get errorCode(): string | undefined {
    const value = this.details.errorCode;
    return typeof value === "string" ? value : undefined;
  }

  /** `details.reason`: which variant of the code it is (TOKEN_EXPIRED, LAST_ADMIN…), if any. */
  get reason(): string | undefined {
    const value = this.details.reason;
    return typeof value === "string" ? value : undefined;
  }
}

function registryError(name: ErrorName, message: string, extra: Record<string, unknown> = {}) {
  return new AppError(message, name, { errorCode: ERROR_CODES[name], ...extra });
}

function standardError(code: StandardCode, message: string, details: ErrorDetails = {}) {
  return new AppError(message, code, details);
}

/**
 * An authentication failure: `code` is UNAUTHENTICATED, so clients handle every variant alike,
 * and `errorCode`/`reason` say which one it was (expired, invalid, session ended…).
 */
function unauthenticated(reason: ErrorName | undefined, message: string) {
  return standardError("UNAUTHENTICATED", message, reason ? { reason, errorCode: ERROR_CODES[reason] } : {});
}

/** What SERVICE_UNAVAILABLE tells a client to wait before retrying. */
export const SERVICE_RETRY_AFTER_SECONDS = 5;

export const errors = {
  invalidCredentials: () => registryError("INVALID_CREDENTIALS", "Invalid email or password."),
  accountDisabled: () => registryError("ACCOUNT_DISABLED", "This account is disabled."),
  accountLocked: (lockedUntil: Date) =>
    registryError("ACCOUNT_LOCKED", "This account is locked after too many failed logins.", {
      lockedUntil: lockedUntil.toISOString(),
      retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 1000)),
    }),
  /** `verificationSent`: a new verification link is on its way (login with the right password). */
  emailNotVerified: (verificationSent = false) =>
    registryError("EMAIL_NOT_VERIFIED", "Verify your email address first.", { verificationSent }),
  /** A verification token that is unknown, malformed, expired or already used: one answer for all. */
  verificationTokenInvalid: () =>
    registryError(
      "VERIFICATION_TOKEN_INVALID",
      "This verification link is invalid or has expired; request a new one.",
      { field: "token" },
    ),
  /** A reset token that is unknown, malformed, expired or already used: one answer for all. */
  resetTokenInvalid: () =>
    registryError(
      "RESET_TOKEN_INVALID",
      "This password reset link is invalid or has expired; request a new one.",
      { field: "token" },
    ),
  /** Over a rate limit: `retryAfterSeconds` says when the next attempt can succeed. */
  rateLimited: (limit: string, retryAfterSeconds: number) =>
    registryError("RATE_LIMITED", "Too many attempts; try again later.", {
      limit,
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
    }),
  /** The limits' store (Redis) cannot be reached: refused rather than let through unlimited. */
  rateLimitUnavailable: () =>
    registryError(
      "RATE_LIMIT_UNAVAILABLE",
      "This operation is unavailable for a moment (rate limiting cannot be checked); try again shortly.",
    ),
  /**
   * A dependency (the database, Redis) cannot be reached right now: retry after
   * `retryAfterSeconds`; nothing was done. Over HTTP the answer is 503 with a Retry-After header
   * (graphql/errors.ts).
   */
  serviceUnavailable: (retryAfterSeconds = SERVICE_RETRY_AFTER_SECONDS) =>
    registryError("SERVICE_UNAVAILABLE", "The service is unavailable for a moment; try again shortly.", {
      retryAfterSeconds,
    }),
  userNotFound: () => registryError("USER_NOT_FOUND", "User not found."),
  emailAlreadyExists: () =>
    registryError("EMAIL_ALREADY_EXISTS", "An account with this email already exists.", {
      field: "email",
    }),
  weakPassword: (missing: string[], field = "password") =>
    registryError("WEAK_PASSWORD", `Password is too weak: ${missing.join("; ")}.`, {
      field,
      missing,
    }),
  invalidEmailFormat: (field = "email") =>
    registryError("INVALID_EMAIL_FORMAT", "Email address is not valid.", { field }),
  sessionNotFound: () => registryError("SESSION_NOT_FOUND", "Session not found."),
  /**
   * A graphql-ws `subscribe` over the connection's limits: `limit` is `subscriptionsPerConnection`
   * (GRAPHQL_WS_MAX_SUBSCRIPTIONS) or `costPerConnection` (GRAPHQL_MAX_COST, summed over the
   * connection's subscriptions). The other subscriptions of the connection go on.
   */
  tooManySubscriptions: (limit: "subscriptionsPerConnection" | "costPerConnection", max: number) =>
    registryError(
      "TOO_MANY_SUBSCRIPTIONS",
      limit === "subscriptionsPerConnection"
        ? `This connection already has ${max} subscriptions; complete one first.`
        : `The subscriptions of this connection would cost more than ${max}; complete one first.`,
      { limit, max },
    ),
  /** A refresh token that is malformed, forged, of the wrong type or already used. */
  refreshTokenInvalid: () => registryError("TOKEN_INVALID", "Refresh token is invalid."),
  refreshTokenExpired: () => registryError("TOKEN_EXPIRED", "Refresh token has expired."),

  authenticationRequired: () => unauthenticated(undefined, "Authentication required."),
  accessTokenExpired: () => unauthenticated("TOKEN_EXPIRED", "Access token has expired."),
  accessTokenInvalid: () => unauthenticated("TOKEN_INVALID", "Access token is invalid."),
  sessionEnded: () => unauthenticated("SESSION_NOT_FOUND", "Session has ended; log in again."),
  sessionAccountDisabled: () => unauthenticated("ACCOUNT_DISABLED", "This account is disabled."),

  forbidden: (message = "You are not allowed to do this.") => standardError("FORBIDDEN", message),
  /** `_service { sdl }` refused by FEDERATION_SDL_ACCESS (off, or no valid shared secret). */
  subgraphSdlForbidden: () =>
    standardError("FORBIDDEN", "The subgraph schema is not served to this caller.", {
      reason: "FEDERATION_SDL_ACCESS",
    }),
  /**
   * An admin rule, not a missing permission: `reason` says which one (SELF_CHANGE, LAST_ADMIN,
   * MODERATOR_SCOPE, ACTOR_CHANGED), so a client can explain it.
   */
  guardForbidden: (reason: GuardReason, message: string) => standardError("FORBIDDEN", message, { reason }),
  badUserInput: (fields: Record<string, string>) =>
    standardError(
      "BAD_USER_INPUT",
      `Invalid input: ${Object.entries(fields)
        .map(([field, problem]) => `${field} ${problem}`)
        .join("; ")}.`,
      { fields },
    ),
  internal: () => standardError("INTERNAL_SERVER_ERROR", "Internal server error."),

  /** The request ran past its deadline (REQUEST_TIMEOUT_MS); what it had started was abandoned. */
  requestTimeout: (timeoutMs: number) =>
    standardError("REQUEST_TIMEOUT", "The request took too long and was abandoned; try again.", {
      timeoutMs,
    }),
  /** HTTP-level problems met before GraphQL sees the request (body, path). */
  badRequest: (message: string) => standardError("BAD_REQUEST", message),
  payloadTooLarge: (limit: string) =>
    standardError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit}.`),
  notFound: () => standardError("NOT_FOUND", "Not found."),
  /** A list argument longer than GRAPHQL_MAX_LIST_SIZE. */
  listTooLong: (argument: string, max: number) =>
    standardError("BAD_USER_INPUT", `Argument ${argument} asks for more than ${max} items.`, {
      fields: { [argument]: `at most ${max} items` },
    }),
};
