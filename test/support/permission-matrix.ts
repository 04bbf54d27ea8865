/**
 * The permission matrix as data: what each kind of caller gets from every root field and every
 * User field. test/integration/permissions.test.ts checks it against the schema (a field missing
 * here fails), against the server over HTTP (every case is called as every caller), and against
 * docs/api.md (the table there is generated from this one: `matrixMarkdown()`).
 *
 * Adding a root field or a User field: add its row here, with a call that is harmless when
 * allowed (a missing id, an invalid input...), then run `npm run docs:matrix`.
 */

export const CALLERS = ["anonymous", "USER", "MODERATOR", "ADMIN"] as const;
export type Caller = (typeof CALLERS)[number];
export type SignedInCaller = Exclude<Caller, "anonymous">;
export const SIGNED_IN_CALLERS: SignedInCaller[] = ["USER", "MODERATOR", "ADMIN"];

/** true: allowed; false: denied (UNAUTHENTICATED when anonymous, FORBIDDEN when signed in). */
export type Expectation = Record<Caller, boolean>;

/** Ids a call can use: the caller's own, another (USER) account's, and one that names no one. */
export interface CallIds {
  self: string;
  other: string;
  missing: string;
}

export interface Call {
  query: string;
  variables?: Record<string, unknown>;
}

export interface RootFieldCase {
  expect: Expectation;
  /** The request to send; harmless when allowed. */
  call: (ids: CallIds) => Call;
  /**
   * The error code an allowed call answers with (the call got past the permission layer into the
   * resolver: USER_NOT_FOUND for a missing id...); undefined: no error at all.
   */
  allowedAnswer?: string;
  /**
   * The call ends the caller's session ("session": logout; it gets a session of its own) or all
   * of the caller's sessions ("all": logoutAll; it is made as a fresh user of the caller's role).
   */
  endsSession?: boolean | "all";
  /**
   * The field used on the caller's own account, where an admin guard decides that: `allowed`
   * false means even a caller the row allows gets FORBIDDEN (reason SELF_CHANGE).
   */
  self?: { allowed: boolean; call: (ids: CallIds) => Call; allowedAnswer?: string };
  /** Subscription fields run over graphql-ws, not HTTP: checked by the subscription tests. */
  transport?: "ws";
  /** A word for the matrix's notes column. */
  note?: string;
}

/**
 * Who may read a User field. `others`: on someone else's account; `self`: a USER on their own
 * (for anonymous, the user a register/login/refreshToken payload has just signed in). Staff
 * reading themselves get `self` or their own column, whichever allows more.
 */
export const USER_FIELD_RULES = {
  anyone: { others: { anonymous: true, USER: true, MODERATOR: true, ADMIN: true }, self: true },
  "self or staff": {
    others: { anonymous: false, USER: false, MODERATOR: true, ADMIN: true },
    self: true,
  },
  staff: { others: { anonymous: false, USER: false, MODERATOR: true, ADMIN: true }, self: false },
  "self or ADMIN": {
    others: { anonymous: false, USER: false, MODERATOR: false, ADMIN: true },
    self: true,
  },
  // The "other" account these rows are called on is a USER account; a MODERATOR on a staff
  // account is refused (test/integration/admin-api-gaps.test.ts).
  "self, ADMIN, MODERATOR on USER accounts": {
    others: { anonymous: false, USER: false, MODERATOR: true, ADMIN: true },
    self: true,
  },
} satisfies Record<string, { others: Expectation; self: boolean }>;

export interface UserFieldCase {
  rule: keyof typeof USER_FIELD_RULES;
  /** Selection and arguments after the field name, for object fields: `{ id }`, `(first: 1) { id }`. */
  select?: string;
}

const ANYONE: Expectation = { anonymous: true, USER: true, MODERATOR: true, ADMIN: true };
const SIGNED_IN: Expectation = { anonymous: false, USER: true, MODERATOR: true, ADMIN: true };
const STAFF: Expectation = { anonymous: false, USER: false, MODERATOR: true, ADMIN: true };
const ADMIN_ONLY: Expectation = { anonymous: false, USER: false, MODERATOR: false, ADMIN: true };

const WEAK_INPUT = { email: "nobody@example.com", password: "weak", name: "No Body" };

export const ROOT_FIELDS: Record<string, RootFieldCase> = {
  "Query.me": { expect: SIGNED_IN, call: () => ({ query: "{ me { id } }" }) },
  "Query.user": {
    expect: STAFF,
    call: ({ other }) => ({ query: "query($id: ID!) { user(id: $id) { id } }", variables: { id: other } }),
  },
  "Query.users": { expect: STAFF, call: () => ({ query: "{ users(first: 1) { totalCount } }" }) },
  "Query.auditLog": {
    expect: ADMIN_ONLY,
    call: () => ({ query: "{ auditLog(first: 1) { pageInfo { hasNextPage } } }" }),
  },
  "Query.exportMyData": {
    expect: SIGNED_IN,
    call: () => ({ query: "{ exportMyData { exportedAt profile { id } } }" }),
    note: "own data",
  },

  "Mutation.register": {
    expect: ANYONE,
    call: () => ({
      query: "mutation($i: RegisterInput!) { register(input: $i) { tokenType } }",
      variables: { i: WEAK_INPUT },
    }),
    allowedAnswer: "WEAK_PASSWORD",
  },
  "Mutation.login": {
    expect: ANYONE,
    call: () => ({
      query: "mutation($i: LoginInput!) { login(input: $i) { tokenType } }",
      variables: { i: { email: "nobody@example.com", password: "Wr0ng!password" } },
    }),
    allowedAnswer: "INVALID_CREDENTIALS",
  },
  "Mutation.refreshToken": {
    expect: ANYONE,
    call: () => ({ query: 'mutation { refreshToken(refreshToken: "not-a-token") { tokenType } }' }),
    allowedAnswer: "TOKEN_INVALID",
  },
  "Mutation.logout": { expect: SIGNED_IN, call: () => ({ query: "mutation { logout }" }), endsSession: true },
  "Mutation.updateProfile": {
    expect: SIGNED_IN,
    call: () => ({ query: "mutation { updateProfile(input: {}) { id } }" }),
    note: "own profile",
  },
  "Mutation.changePassword": {
    expect: SIGNED_IN,
    call: () => ({
      query: "mutation($i: ChangePasswordInput!) { changePassword(input: $i) }",
      variables: { i: { currentPassword: "Wr0ng!password", newPassword: "N3w!Passw0rd" } },
    }),
    allowedAnswer: "INVALID_CREDENTIALS",
    note: "own password",
  },
  "Mutation.adminCreateUser": {
    expect: ADMIN_ONLY,
    call: () => ({
      query: "mutation($i: AdminCreateUserInput!) { adminCreateUser(input: $i) { id } }",
      variables: { i: WEAK_INPUT },
    }),
    allowedAnswer: "WEAK_PASSWORD",
  },
  "Mutation.setUserRole": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { setUserRole(userId: $id, role: USER) { id } }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    self: {
      allowed: false,
      call: ({ self }) => ({
        query: "mutation($id: ID!) { setUserRole(userId: $id, role: USER) { id } }",
        variables: { id: self },
      }),
    },
    note: "never the last active ADMIN",
  },
  "Mutation.setUserActive": {
    expect: STAFF,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { setUserActive(userId: $id, active: true) { id } }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    self: {
      allowed: false,
      call: ({ self }) => ({
        query: "mutation($id: ID!) { setUserActive(userId: $id, active: false) { id } }",
        variables: { id: self },
      }),
    },
    note: "MODERATOR: USER accounts only; never the last active ADMIN",
  },
  "Mutation.unlockUser": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { unlockUser(userId: $id) { id } }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    self: {
      allowed: true,
      call: ({ self }) => ({
        query: "mutation($id: ID!) { unlockUser(userId: $id) { id } }",
        variables: { id: self },
      }),
    },
  },
  "Mutation.revokeUserSessions": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { revokeUserSessions(userId: $id) }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
  },
  "Mutation.revokeUserSession": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { revokeUserSession(userId: $id, sessionId: $id) }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    note: "one session of a user; audited",
  },
  "Mutation.sendPasswordReset": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { sendPasswordReset(userId: $id) }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    note: "e-mails a reset link; audited",
  },
  "Mutation.deleteUser": {
    expect: ADMIN_ONLY,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { deleteUser(userId: $id) }",
      variables: { id: missing },
    }),
    allowedAnswer: "USER_NOT_FOUND",
    self: {
      allowed: false,
      call: ({ self }) => ({
        query: "mutation($id: ID!) { deleteUser(userId: $id) }",
        variables: { id: self },
      }),
    },
    note: "erasure; never the last active ADMIN",
  },

  "Query._entities": {
    expect: SIGNED_IN,
    call: ({ missing }) => ({
      query: "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
      variables: { r: [{ __typename: "User", id: missing }] },
    }),
    note: "federation: the router resolves users with the caller's token; User field rules apply",
  },
  "Query._service": {
    expect: ANYONE,
    call: () => ({ query: "{ _service { sdl } }" }),
    note: "federation: the subgraph SDL; as `FEDERATION_SDL_ACCESS` says (open by default in development, off in production)",
  },
  "Query.mySessions": { expect: SIGNED_IN, call: () => ({ query: "{ mySessions { id } }" }) },
  "Mutation.revokeSession": {
    expect: SIGNED_IN,
    call: ({ missing }) => ({
      query: "mutation($id: ID!) { revokeSession(id: $id) }",
      variables: { id: missing },
    }),
    allowedAnswer: "SESSION_NOT_FOUND",
    note: "own sessions; another user's id is SESSION_NOT_FOUND",
  },
  "Mutation.logoutAll": {
    expect: SIGNED_IN,
    call: () => ({ query: "mutation { logoutAll }" }),
    endsSession: "all",
    note: "own sessions",
  },
  "Subscription.sessionEvents": {
    expect: SIGNED_IN,
    call: () => ({ query: "subscription { sessionEvents { type userId } }" }),
    transport: "ws",
    note: "own events",
  },
  "Subscription.userSessionEvents": {
    expect: ADMIN_ONLY,
    call: () => ({ query: "subscription { userSessionEvents { type userId } }" }),
    transport: "ws",
  },
  "Mutation.requestEmailVerification": {
    expect: SIGNED_IN,
    call: () => ({ query: "mutation { requestEmailVerification }" }),
    note: "own address",
  },
  "Mutation.verifyEmail": {
    expect: ANYONE,
    call: () => ({ query: 'mutation { verifyEmail(token: "not-a-token") { id } }' }),
    allowedAnswer: "VERIFICATION_TOKEN_INVALID",
    note: "holder of the link",
  },
  "Mutation.requestPasswordReset": {
    expect: ANYONE,
    call: () => ({ query: 'mutation { requestPasswordReset(email: "nobody@example.com") }' }),
  },
  "Mutation.resetPassword": {
    expect: ANYONE,
    call: () => ({
      query: 'mutation { resetPassword(token: "not-a-token", newPassword: "N3w!Passw0rd") }',
    }),
    allowedAnswer: "RESET_TOKEN_INVALID",
    note: "holder of the link",
  },
  "Mutation.deleteMyAccount": {
    expect: SIGNED_IN,
    call: () => ({ query: 'mutation { deleteMyAccount(password: "Wr0ng!password") }' }),
    allowedAnswer: "INVALID_CREDENTIALS",
    note: "own account; needs the password",
  },
};

/**
 * Anonymous and USER callers never get another user's object (every root field that returns one
 * is staff-only, as the rows above show), so only the MODERATOR, ADMIN and self columns of these
 * rows can be called over HTTP; the others say what the field rule itself answers.
 */
export const USER_FIELDS: Record<string, UserFieldCase> = {
  id: { rule: "anyone" },
  name: { rule: "anyone" },
  role: { rule: "anyone" },
  isActive: { rule: "anyone" },
  isVerified: { rule: "anyone" },
  createdAt: { rule: "anyone" },
  updatedAt: { rule: "anyone" },
  lastLoginAt: { rule: "anyone" },
  email: { rule: "self or staff" },
  phone: { rule: "self or staff" },
  businessType: { rule: "self or staff" },
  businessNumber: { rule: "self or staff" },
  industry: { rule: "self or staff" },
  region: { rule: "self or staff" },
  businessNumberStatus: { rule: "self or staff" },
  businessVerifiedAt: { rule: "self or staff" },
  lockedUntil: { rule: "staff" },
  sessions: { rule: "self or ADMIN", select: "{ id }" },
  loginHistory: {
    rule: "self, ADMIN, MODERATOR on USER accounts",
    select: "(first: 1) { pageInfo { hasNextPage } }",
  },
};

const mark = (allowed: boolean | undefined) => (allowed === undefined ? "" : allowed ? "✓" : "✗");

/** The matrix of docs/api.md, generated from the tables above. */
export function matrixMarkdown(): string {
  const lines = [
    "| root field | anonymous | USER | MODERATOR | ADMIN | on self | notes |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const [field, spec] of Object.entries(ROOT_FIELDS)) {
    const self = mark(spec.self?.allowed);
    const cells = CALLERS.map((c) => mark(spec.expect[c]));
    lines.push(
      `| \`${field}\` | ${cells.join(" | ")} | ${self} | ${spec.note ?? ""} |`.replace(/ +\|/g, " |"),
    );
  }
  lines.push(
    "",
    "| User field | anonymous | USER | MODERATOR | ADMIN | self | rule |",
    "|---|---|---|---|---|---|---|",
  );
  for (const [field, spec] of Object.entries(USER_FIELDS)) {
    const { others, self } = USER_FIELD_RULES[spec.rule];
    const cells = CALLERS.map((c) => mark(others[c]));
    lines.push(`| \`${field}\` | ${cells.join(" | ")} | ${mark(self)} | ${spec.rule} |`);
  }
  return lines.join("\n");
}
