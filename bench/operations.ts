/**
 * The GraphQL documents the benchmark sends. `me` and the baseline select the same fields, so the
 * two servers answer with the same JSON shape.
 */

export const USER_FIELDS = `id email name phone role isActive isVerified businessType businessNumber industry region createdAt updatedAt lastLoginAt`;

export const ME = `query Me { me { ${USER_FIELDS} } }`;

const AUTH_FIELDS = `accessToken refreshToken tokenType expiresIn user { id email name role }`;

export const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;

export const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;

export const REFRESH = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${AUTH_FIELDS} } }`;

export const UPDATE_PROFILE = `mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { ${USER_FIELDS} } }`;

/** The admin's first page of users (roles issue: cursor connection with totalCount). */
export const USERS_PAGE = `query UsersPage { users(first: 20) { totalCount edges { cursor node { id email name role isActive isVerified createdAt lastLoginAt } } pageInfo { hasNextPage endCursor } } }`;

/** The caller's own session events (sessions issue: graphql-ws on /graphql). */
export const SESSION_EVENTS = `subscription SessionEvents { sessionEvents { type userId sessionId occurredAt } }`;

/**
 * Root fields a scenario needs, checked before it runs. Introspection is off in production (Apollo's
 * default), so presence is told by validation: only "Cannot query field X on type Root" means the
 * field is absent; any other answer (UNAUTHENTICATED, missing arguments) means it is there.
 * Subscriptions are probed over graphql-ws (ws-probe.ts).
 */
export const PROBES = {
  users: { document: `query { users(first: 1) { __typename } }`, field: "users", root: "Query" },
  sessionEvents: {
    document: `subscription { sessionEvents { __typename } }`,
    field: "sessionEvents",
    root: "Subscription",
  },
} as const;
