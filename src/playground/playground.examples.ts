import { Kind, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";

/** An operation the playground offers an admin: preloaded as a tab and listed under Examples. */
export interface PlaygroundExample {
  title: string;
  description: string;
  query: string;
  /** JSON text for the variables editor. */
  variables?: string;
  /** Open as a tab on a first visit; the others are one click away in the Examples panel. */
  openAtStart?: boolean;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * The admin's everyday tasks, in the order they are usually needed. Each is offered only when the
 * served schema can run it (see `examplesFor`), so an example for a field another module adds
 * appears as soon as that field exists, and a renamed field drops its example instead of showing
 * an operation that fails.
 */
export const EXAMPLES: PlaygroundExample[] = [
  {
    title: "Sign in",
    description:
      "The operation the sign-in form (top bar) runs. Use the form: its password field keeps the password out of these editors.",
    query: `# The sign-in form in the top bar runs this
# operation with a real password field; the
# playground then sends its access token with
# every request and renews it before it expires.
# Typed here, a password shows on screen (it is
# never stored: the playground's storage drops it).
mutation SignIn($input: LoginInput!) {
  login(input: $input) {
    expiresIn
    user { id email name role }
    accessToken
    refreshToken
  }
}`,
    variables: json({ input: { email: "admin@example.com", password: "" } }),
    openAtStart: true,
  },
  {
    title: "Who am I",
    description: "The signed-in account.",
    query: `query WhoAmI {
  me {
    id email name role
    isActive lastLoginAt
  }
}`,
    openAtStart: true,
  },
  {
    title: "List users",
    description: "Finds users a page at a time; filter by role, active, verified or a search text.",
    query: `# Next page: pass pageInfo.endCursor as after.
query ListUsers($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    totalCount
    edges {
      node {
        id email name role
        isActive isVerified createdAt lastLoginAt
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: json({ filter: { search: "" }, first: 20 }),
  },
  {
    title: "Create a user",
    description: "Creates an account with any role (ADMIN). The password must meet the policy.",
    query: `# The password goes in Variables; the playground
# never stores it (its storage drops passwords).
mutation CreateUser($input: AdminCreateUserInput!) {
  adminCreateUser(input: $input) { id email name role isVerified }
}`,
    variables: json({
      input: {
        email: "new.person@example.com",
        name: "New Person",
        password: "",
        role: "USER",
        isVerified: true,
      },
    }),
  },
  {
    title: "Disable a user",
    description: "Disables an account and ends its sessions at once; active: true re-enables it.",
    query: `# userId: an id from List users.
# active: true enables the account again.
mutation DisableUser($userId: ID!, $active: Boolean!) {
  setUserActive(userId: $userId, active: $active) { id email isActive }
}`,
    variables: json({ userId: "", active: false }),
  },
  {
    title: "Change a role",
    description: "Makes a user USER, MODERATOR or ADMIN; their sessions end.",
    query: `mutation ChangeRole($userId: ID!, $role: Role!) {
  setUserRole(userId: $userId, role: $role) { id email role }
}`,
    variables: json({ userId: "", role: "MODERATOR" }),
  },
  {
    title: "Unlock a user",
    description: "Clears a login lockout and the count of failed logins (ADMIN).",
    query: `mutation UnlockUser($userId: ID!) {
  unlockUser(userId: $userId) { id email lockedUntil }
}`,
    variables: json({ userId: "" }),
  },
  {
    title: "A user's sessions and logins",
    description: "A user's live sessions and recent login attempts, successes and failures.",
    query: `# Sessions: ADMIN. Login history: ADMIN, and
# MODERATOR for USER accounts.
query UserSessions($id: ID!) {
  user(id: $id) {
    id email role
    sessions { id createdAt lastUsedAt ipAddress userAgent }
    loginHistory(first: 10) {
      edges { node { createdAt success failureReason ipAddress userAgent } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
    variables: json({ id: "" }),
  },
  {
    title: "End one session",
    description: "Signs one device of a user out (a session id from the user's sessions).",
    query: `mutation EndSession($userId: ID!, $sessionId: ID!) {
  revokeUserSession(userId: $userId, sessionId: $sessionId)
}`,
    variables: json({ userId: "", sessionId: "" }),
  },
  {
    title: "Send a password reset link",
    description: "E-mails the user a reset link (ADMIN); the audit log records it.",
    query: `mutation SendPasswordReset($userId: ID!) {
  sendPasswordReset(userId: $userId)
}`,
    variables: json({ userId: "" }),
  },
  {
    title: "End a user's sessions",
    description: "Signs a user out everywhere.",
    query: `mutation EndSessions($userId: ID!) {
  revokeUserSessions(userId: $userId)
}`,
    variables: json({ userId: "" }),
  },
  {
    title: "Erase a user",
    description: "Erases a person for good: anonymised, login history deleted, sessions ended (ADMIN).",
    query: `# Cannot be undone. Not yourself; never the
# last active ADMIN.
mutation EraseUser($userId: ID!) {
  deleteUser(userId: $userId)
}`,
    variables: json({ userId: "" }),
  },
  {
    title: "Watch session events",
    description: "Streams logins, refreshes, logouts and lockouts as they happen (userId null: everyone).",
    query: `# Runs until you stop it: log in somewhere
# else and watch the event arrive.
subscription WatchSessionEvents($userId: ID) {
  userSessionEvents(userId: $userId) {
    type userId sessionId occurredAt
    ipAddress userAgent reason
  }
}`,
    variables: json({ userId: null }),
  },
  {
    title: "Audit log",
    description:
      "Who changed what, most recent first; filter by actor, target, action or time, a page at a time.",
    query: `# Next page: pass pageInfo.endCursor as after.
# Filter: actorId, targetId, action,
# createdAfter, createdBefore (ISO 8601).
query AuditLog($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges {
      node {
        createdAt action details ipAddress
        actor { email } target { email }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: json({ filter: { targetId: null, action: null }, first: 20, after: null }),
  },
  {
    title: "Log out",
    description: "Ends the session of the token in use; the playground forgets the token.",
    query: `mutation LogOut {
  logout
}`,
  },
];

/** Valid against the schema, and of operation types it has (graphql 16 does not check those). */
function runnable(schema: GraphQLSchema, document: DocumentNode): boolean {
  const rootTypesExist = document.definitions.every(
    (def) => def.kind !== Kind.OPERATION_DEFINITION || schema.getRootType(def.operation) != null,
  );
  return rootTypesExist && validate(schema, document).length === 0;
}

/** The examples this schema can run, and the titles of those it cannot. */
export function examplesFor(
  schema: GraphQLSchema,
  examples: PlaygroundExample[] = EXAMPLES,
): { offered: PlaygroundExample[]; skipped: string[] } {
  const offered: PlaygroundExample[] = [];
  const skipped: PlaygroundExample[] = [];
  for (const example of examples) {
    (runnable(schema, parse(example.query)) ? offered : skipped).push(example);
  }
  return { offered, skipped: skipped.map((e) => e.title) };
}
