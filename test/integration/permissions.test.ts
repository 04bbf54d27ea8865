import { readFileSync } from "node:fs";
import path from "node:path";
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { permissionTable } from "../../src/graphql/permissions/permissions";
import {
  createAdmin,
  createUserWithRole,
  login,
  missingId,
  registerUser,
  type Session,
} from "../support/factories";
import type { GraphQLResponse } from "../support/graphql-client";
import {
  CALLERS,
  matrixMarkdown,
  ROOT_FIELDS,
  SIGNED_IN_CALLERS,
  USER_FIELD_RULES,
  USER_FIELDS,
  type Call,
  type Caller,
  type SignedInCaller,
} from "../support/permission-matrix";
import { startTestServer, type TestServer } from "../support/test-server";
import { closeAllWs, connectWs, TestSubscription } from "../support/ws-client";

let server: TestServer;
let schema: GraphQLSchema;
const sessions = {} as Record<SignedInCaller, Session>;
let other: Session;
/** Signs in through login payloads, so anonymous callers can read "their own" fields. */
let payloadUser: Session & { password: string };

beforeAll(async () => {
  server = await startTestServer();
  sessions.ADMIN = await createAdmin(server);
  sessions.MODERATOR = await createUserWithRole(server, "MODERATOR", sessions.ADMIN);
  sessions.USER = await registerUser(server.client);
  other = await registerUser(server.client);
  payloadUser = await registerUser(server.client);
  const introspection = await server.client.request<IntrospectionQuery>(getIntrospectionQuery());
  schema = buildClientSchema(introspection.data!);
});
afterAll(() => server.stop());

const ROOT_TYPES = ["Query", "Mutation", "Subscription"] as const;

function schemaRootFields(): string[] {
  return ROOT_TYPES.flatMap((name) => {
    const type = schema.getType(name);
    return isObjectType(type) ? Object.keys(type.getFields()).map((field) => `${name}.${field}`) : [];
  });
}

function schemaUserFields(): string[] {
  const user = schema.getType("User");
  if (!isObjectType(user)) throw new Error("no User type");
  return Object.keys(user.getFields());
}

const send = (call: Call, token?: string) => server.client.request(call.query, call.variables, { token });

function ids(caller: Caller) {
  return {
    self: caller === "anonymous" ? missingId() : sessions[caller].user.id,
    other: other.user.id,
    missing: missingId(),
  };
}

/** A denial is the bare UNAUTHENTICATED (no token) or FORBIDDEN, and nothing else. */
function expectDenied(response: GraphQLResponse, caller: Caller, exact = true) {
  const code = caller === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN";
  const [error, ...rest] = response.errors ?? [];
  expect(rest).toEqual([]);
  expect(error?.extensions?.code).toBe(code);
  if (exact) {
    expect({ message: error!.message, ...error!.extensions }).toEqual({
      code,
      message: code === "FORBIDDEN" ? "You are not allowed to do this." : "Authentication required.",
    });
  }
}

function expectAllowed(response: GraphQLResponse, answer: string | undefined) {
  const codes = (response.errors ?? []).map((e) => e.extensions?.code);
  expect(codes).not.toContain("FORBIDDEN");
  expect(codes).not.toContain("UNAUTHENTICATED");
  expect(codes).toEqual(answer ? [answer] : []);
}

describe("the permission matrix", () => {
  it("has a row for every root field (Query, Mutation, Subscription) and every User field", () => {
    const missingRoot = schemaRootFields().filter((field) => !(field in ROOT_FIELDS));
    const missingUser = schemaUserFields().filter((field) => !(field in USER_FIELDS));
    expect({ missingRoot, missingUser }).toEqual({ missingRoot: [], missingUser: [] });
    // And no row for a field that is gone.
    expect(Object.keys(ROOT_FIELDS).filter((f) => !schemaRootFields().includes(f))).toEqual([]);
    expect(Object.keys(USER_FIELDS).filter((f) => !schemaUserFields().includes(f))).toEqual([]);
  });

  it("matches src/graphql/permissions/permissions.ts: every root field and User field has an explicit rule", () => {
    const table = permissionTable as Record<string, Record<string, unknown>>;
    const unruled = [
      ...schemaRootFields().filter((f) => {
        const [type, field] = f.split(".") as [string, string];
        return !table[type]?.[field];
      }),
      ...schemaUserFields()
        .filter((f) => !table.User?.[f])
        .map((f) => `User.${f}`),
    ];
    expect(unruled).toEqual([]);
  });

  it("is the one in docs/api.md", () => {
    const page = readFileSync(path.join(__dirname, "..", "..", "docs", "api.md"), "utf8");
    const block = /<!-- permission-matrix:[^>]*-->\n([\s\S]*?)\n<!-- \/permission-matrix -->/.exec(page);
    const expected = matrixMarkdown();
    if (block?.[1] !== expected) {
      throw new Error(
        `docs/api.md's permission matrix is out of date (npm run docs:matrix); it should read:\n\n${expected}\n`,
      );
    }
  });
});

const httpRootFields = Object.entries(ROOT_FIELDS).filter(([, spec]) => spec.transport !== "ws");

describe.each(httpRootFields)("%s", (_field, spec) => {
  it.each(CALLERS)("as %s", async (caller) => {
    let token: string | undefined;
    if (caller !== "anonymous") {
      if (spec.endsSession === "all") {
        token = (await createUserWithRole(server, caller, sessions.ADMIN)).accessToken;
      } else if (spec.endsSession) {
        token = (await login(server.client, sessions[caller].user.email)).accessToken;
      } else {
        token = sessions[caller].accessToken;
      }
    }
    const response = await send(spec.call(ids(caller)), token);
    if (spec.expect[caller]) expectAllowed(response, spec.allowedAnswer);
    else expectDenied(response, caller);
  });

  const self = spec.self;
  if (self) {
    it.each(SIGNED_IN_CALLERS)("as %s on their own account", async (caller) => {
      const response = await send(self.call(ids(caller)), sessions[caller].accessToken);
      if (spec.expect[caller] && self.allowed) return expectAllowed(response, self.allowedAnswer);
      // Denied by the permission layer (bare FORBIDDEN), or past it by an admin guard (a reason).
      expectDenied(response, caller, !spec.expect[caller]);
      if (spec.expect[caller])
        expect(response.errors![0]!.extensions).toMatchObject({ reason: "SELF_CHANGE" });
    });
  }
});

const wsRootFields = Object.entries(ROOT_FIELDS).filter(([, spec]) => spec.transport === "ws");

describe.each(wsRootFields)("%s over graphql-ws", (_field, spec) => {
  afterEach(closeAllWs);

  it("as anonymous: the connection itself is refused (4403)", async () => {
    const ws = connectWs(server);
    expect((await ws.waitClosed()).code).toBe(4403);
  });

  it.each(SIGNED_IN_CALLERS)("as %s", async (caller) => {
    // A user of its own: the probe logs it in again and again, which must not evict the shared
    // sessions the other rows use.
    const subscriber = await createUserWithRole(server, caller, sessions.ADMIN);
    const ws = connectWs(server, subscriber.accessToken);
    await ws.waitConnected();
    const subscription = new TestSubscription(ws.client, spec.call(ids(caller)).query);
    if (spec.expect[caller]) {
      // Allowed: it really streams (the subscriber's own login is in every allowed stream).
      await subscription.untilReceiving(async () => {
        await login(server.client, subscriber.user.email);
        return subscriber.user.id;
      });
    } else {
      await subscription.end();
      expect(subscription.results).toEqual([
        { errors: [expect.objectContaining({ extensions: { code: "FORBIDDEN" } })] },
      ]);
    }
  });
});

describe.each(Object.entries(USER_FIELDS))("User.%s", (field, spec) => {
  const rule = USER_FIELD_RULES[spec.rule];
  const selection = `${field}${spec.select ?? (isObjectField(field) ? " { __typename }" : "")}`;

  function isObjectField(name: string): boolean {
    const type = schema?.getType("User");
    return isObjectType(type) && isObjectType(getNamedType(type.getFields()[name]!.type));
  }

  function check(response: GraphQLResponse, allowed: boolean, caller: Caller) {
    if (allowed) return expectAllowed(response, undefined);
    expectDenied(response, caller);
    expect(response.errors![0]!.path?.at(-1)).toBe(field);
  }

  it("on their own account: a user through me, anonymous through a login payload", async () => {
    const own = await send({ query: `{ me { ${selection} } }` }, sessions.USER.accessToken);
    check(own, rule.self, "USER");
    const payload = await send({
      query: `mutation($i: LoginInput!) { login(input: $i) { user { ${selection} } } }`,
      variables: { i: { email: payloadUser.user.email, password: payloadUser.password } },
    });
    check(payload, rule.self, "anonymous");
  });

  it.each(["MODERATOR", "ADMIN"] as const)("as %s, on another account and on their own", async (caller) => {
    const others = await send(
      { query: `query($id: ID!) { user(id: $id) { ${selection} } }`, variables: { id: other.user.id } },
      sessions[caller].accessToken,
    );
    check(others, rule.others[caller], caller);
    const own = await send({ query: `{ me { ${selection} } }` }, sessions[caller].accessToken);
    check(own, rule.self || rule.others[caller], caller);
  });
});
