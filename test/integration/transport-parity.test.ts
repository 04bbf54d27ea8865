import { PASSWORD, registerUser, type Session } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";
import { channels, closeAllWs, connectWs, untilListening, type TestSubscription } from "../support/ws-client";

/**
 * The WebSocket path is no second front door: a document refused over HTTP is refused over
 * graphql-ws with the same code and message, one bad `subscribe` costs only that operation, and
 * a connection and a user have caps of their own.
 */
const servers: TestServer[] = [];
async function server(env: Record<string, string> = {}): Promise<TestServer> {
  const started = await startTestServer(env);
  servers.push(started);
  return started;
}
afterEach(closeAllWs);
afterAll(() => Promise.all(servers.map((s) => s.stop())));

/** The first error a subscription ended with (graphql-ws `error` message), as the client got it. */
async function wsError(
  subscription: TestSubscription,
): Promise<{ message: string; code: unknown; fields?: unknown }> {
  const ended = await subscription.end();
  const errors = (Array.isArray(ended.error) ? ended.error : subscription.results[0]?.errors) as
    | Array<{ message: string; extensions?: Record<string, unknown> }>
    | undefined;
  if (!errors?.[0]) throw new Error(`no error: ${JSON.stringify({ ended, results: subscription.results })}`);
  return {
    message: errors[0].message,
    code: errors[0].extensions?.code,
    fields: errors[0].extensions?.fields,
  };
}

async function httpError(
  target: TestServer,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) {
  const error = errorOf(await target.client.request(query, variables, { token }));
  return { message: error.message, code: error.code, fields: error.fields };
}

describe("the same rules on HTTP and graphql-ws", () => {
  const LIMITS = {
    NODE_ENV: "production",
    GRAPHQL_MAX_DEPTH: "2",
    GRAPHQL_MAX_ALIASES: "2",
    GRAPHQL_MAX_DIRECTIVES: "2",
    GRAPHQL_MAX_COST: "10",
    GRAPHQL_MAX_TOKENS: "40",
  };
  const CASES: Array<[string, string, string]> = [
    ["depth", "{ me { sessions { id } } }", "GRAPHQL_VALIDATION_FAILED"],
    ["aliases", "subscription { sessionEvents { a: type b: type c: type } }", "GRAPHQL_VALIDATION_FAILED"],
    [
      "directives",
      "subscription { sessionEvents { type @skip(if: false) @include(if: true) @deprecated } }",
      "GRAPHQL_VALIDATION_FAILED",
    ],
    [
      "cost",
      "subscription { sessionEvents { type userId sessionId occurredAt ipAddress userAgent reason } }",
      "GRAPHQL_VALIDATION_FAILED",
    ],
    ["tokens", `subscription { sessionEvents { ${"type ".repeat(40)}} }`, "GRAPHQL_PARSE_FAILED"],
    ["syntax", "subscription { sessionEvents {", "GRAPHQL_PARSE_FAILED"],
    ["suggestions (production)", "subscription { sessionEvent { type } }", "GRAPHQL_VALIDATION_FAILED"],
    ["introspection (production)", "{ __schema { queryType { name } } }", "GRAPHQL_VALIDATION_FAILED"],
  ];

  let gateway: TestServer;
  let session: Session;
  beforeAll(async () => {
    gateway = await server(LIMITS);
    // Registered through a server with the default limits (same database and Redis).
    session = await registerUser((await server()).client);
  });

  it.each(CASES)("%s: refused alike, the socket stays open", async (_name, query, code) => {
    const overHttp = await httpError(gateway, query, undefined, session.accessToken);
    const ws = connectWs(gateway, session.accessToken);
    const overWs = await wsError(ws.subscribeQuery(query));
    expect(overHttp.code).toBe(code);
    expect(overWs).toEqual(overHttp);
    expect(overWs.message).not.toMatch(/did you mean/i);
    // The socket is still there: a valid subscription on it starts.
    ws.subscribeQuery("subscription { sessionEvents { type } }");
    await untilListening(gateway, channels(gateway).sessionEvents(session.user.id));
    expect(ws.closeInfo).toBeUndefined();
  });

  it("arguments: the same input rules for every field on both transports", async () => {
    const ws = connectWs(gateway, session.accessToken);
    const overWs = await wsError(
      ws.subscribeQuery("subscription($u: ID) { userSessionEvents(userId: $u) { type } }", { u: "a\u0000b" }),
    );
    expect(overWs).toMatchObject({ code: "BAD_USER_INPUT", fields: { userId: expect.any(String) } });
    const overHttp = await httpError(
      gateway,
      "query($u: ID!) { user(id: $u) { id } }",
      { u: "a\u0000b" },
      session.accessToken,
    );
    expect(overHttp).toMatchObject({ code: "BAD_USER_INPUT", fields: { id: (overWs.fields as any).userId } });
  });

  it("hides suggestions from misspelt variables too (production)", async () => {
    const overHttp = await httpError(
      gateway,
      "mutation($i: LoginInput!) { login(input: $i) { tokenType } }",
      {
        i: { email: "a@example.com", passwrd: PASSWORD },
      },
    );
    expect(overHttp.code).toBe("BAD_USER_INPUT");
    expect(overHttp.message).not.toMatch(/did you mean/i);
  });
});

describe("the attack: one user, many subscriptions, many sockets", () => {
  let gateway: TestServer;
  let session: Session;
  beforeAll(async () => {
    gateway = await server({ NODE_ENV: "production" });
    session = await registerUser(gateway.client);
  });

  it("refuses a 76 kB subscription of thousands of aliases; the socket stays open", async () => {
    const huge = `subscription { sessionEvents { ${Array.from({ length: 6500 }, (_, i) => `a${i}: type`).join(" ")} } }`;
    expect(huge.length).toBeGreaterThan(75_000);
    expect(huge.length).toBeLessThan(80_000);
    const ws = connectWs(gateway, session.accessToken);
    const refused = await Promise.all(Array.from({ length: 40 }, () => wsError(ws.subscribeQuery(huge))));
    for (const error of refused) expect(error.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(ws.closeInfo).toBeUndefined();
    const health = await fetch(`${gateway.url}/health/liveness`);
    expect(health.status).toBe(200);
  });

  it("holds 20 subscriptions on one socket and refuses the other 480, each with its own error", async () => {
    const ws = connectWs(gateway, session.accessToken);
    await ws.waitConnected();
    const subscriptions = Array.from({ length: 500 }, () => ws.subscribe("SessionEvents"));
    await untilListening(gateway, channels(gateway).sessionEvents(session.user.id));
    const refused = subscriptions.slice(20);
    const errors = await Promise.all(refused.map(wsError));
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["TOO_MANY_SUBSCRIPTIONS"]));
    expect(ws.closeInfo).toBeUndefined();

    // A failed login on the account reaches the 20 that run, and the process stays responsive.
    await gateway.client.request(op("Login"), {
      input: { email: session.user.email, password: "Wr0ng!password" },
    });
    await Promise.all(subscriptions.slice(0, 20).map((s) => s.next(1, (e) => e.type === "LOGIN_FAILED")));
    expect(subscriptions.slice(20).every((s) => s.results.length === 0)).toBe(true);
    expect((await fetch(`${gateway.url}/health/liveness`)).status).toBe(200);
  });

  it("keeps the connection's subscriptions within one request's cost", async () => {
    const cheap = await server({ GRAPHQL_MAX_COST: "40" });
    const user = await registerUser(gateway.client);
    const ws = connectWs(cheap, user.accessToken);
    const query = "subscription { sessionEvents { type userId sessionId } }"; // cost 6.5
    const held = Array.from({ length: 6 }, () => ws.subscribeQuery(query));
    await untilListening(cheap, channels(cheap).sessionEvents(user.user.id));
    expect(await wsError(ws.subscribeQuery(query))).toMatchObject({ code: "TOO_MANY_SUBSCRIPTIONS" });
    // Completing one frees its share.
    held[0]!.unsubscribe();
    const again = ws.subscribeQuery(query);
    await gateway.client.request(op("Login"), {
      input: { email: user.user.email, password: "Wr0ng!password" },
    });
    await again.next(1);
  });

  it("lets a user hold 10 sockets and closes the 11th with 1008 TOO_MANY_CONNECTIONS", async () => {
    const open = Array.from({ length: 10 }, () => connectWs(gateway, session.accessToken));
    await Promise.all(open.map((ws) => ws.waitConnected()));
    const eleventh = connectWs(gateway, session.accessToken);
    expect(await eleventh.waitClosed()).toMatchObject({ code: 1008, reason: "TOO_MANY_CONNECTIONS" });
    // Another user is not affected, and closing one socket frees a place.
    const other = await registerUser(gateway.client);
    await connectWs(gateway, other.accessToken).waitConnected();
    await open[0]!.close();
    await connectWs(gateway, session.accessToken).waitConnected();
  });

  it("counts a user's sockets across gateway processes (Redis)", async () => {
    const env = { GRAPHQL_WS_MAX_CONNECTIONS_PER_USER: "3" };
    const [a, b] = [await server(env), await server(env)];
    const user = await registerUser(a.client);
    await connectWs(a, user.accessToken).waitConnected();
    await connectWs(a, user.accessToken).waitConnected();
    await connectWs(b, user.accessToken).waitConnected();
    expect(await connectWs(b, user.accessToken).waitClosed()).toMatchObject({ code: 1008 });
  });
});
