import { buildBareSchema } from "../../src/graphql/schema";
import { PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { generateCalls } from "../support/schema-inputs";
import { op } from "../support/operations";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  // trace: the most the gateway ever writes, variables of every operation included.
  server = await startTestServer({ LOG_LEVEL: "trace" });
});
afterAll(() => server.stop());

const requestLines = () => server.logs.filter((line) => line.msg === "request");
const lineFor = (requestId: string | null) => {
  const lines = requestLines().filter((line) => line.requestId === requestId);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe("request log", () => {
  it("writes one line per request: request id, operation, user, duration, outcome", async () => {
    const { user } = await registerUser(server.client);
    const ok = await server.client.request(op("Login"), { input: { email: user.email, password: PASSWORD } });
    expect(lineFor(ok.headers.get("x-request-id"))).toMatchObject({
      level: 30,
      method: "POST",
      path: "/graphql",
      status: 200,
      operation: "Login",
      operationType: "mutation",
      userId: user.id,
      outcome: "success",
      durationMs: expect.any(Number),
    });

    const failed = await server.client.request(op("Login"), {
      input: { email: user.email, password: "Wr0ng!password" },
    });
    const failedLine = lineFor(failed.headers.get("x-request-id"));
    expect(failedLine).toMatchObject({
      operation: "Login",
      outcome: "client_error",
      errorCodes: ["INVALID_CREDENTIALS"],
    });
    expect(failedLine.userId).toBeUndefined();

    const health = await fetch(`${server.url}/health/liveness`);
    expect(lineFor(health.headers.get("x-request-id"))).toMatchObject({
      level: 20,
      path: "/health/liveness",
    });
  });

  it("takes the caller's X-Request-Id, returns it and carries it into the events", async () => {
    const requestId = `client-trace.${Date.now()}`;
    const session = await registerUser(server.client, {}, { "x-request-id": requestId });
    expect(lineFor(requestId)).toMatchObject({ operation: "Register", userId: session.user.id });

    const events = await server.container.db.outboxEvent.findMany({ where: { key: session.user.id } });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.headers).toMatchObject({ "request-id": requestId });

    // An id that is not sane (spaces, too long) is replaced by a fresh one.
    const response = await fetch(`${server.url}/health/liveness`, { headers: { "x-request-id": "bad id" } });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never writes passwords, tokens, secrets or Authorization headers, at level trace", async () => {
    const email = uniqueEmail("secrets");
    const newPassword = "N3w!Passw0rd-xyz";
    const registered = await registerUser(server.client, { email });
    const loggedIn = await server.client.request(op("Login"), { input: { email, password: PASSWORD } });
    const { accessToken, refreshToken } = loggedIn.data!.login;
    await server.client.request(op("Login"), { input: { email, password: "Wr0ng!password" } });
    const refreshed = await server.client.request(op("RefreshToken"), { refreshToken });
    const latest = refreshed.data!.refreshToken;
    await server.client.request(op("Me"), {}, { token: latest.accessToken });
    await server.client.request(op("Me"), {}, { token: `${latest.accessToken}tampered` });
    await server.client.request(
      op("ChangePassword"),
      { input: { currentPassword: PASSWORD, newPassword } },
      { token: latest.accessToken },
    );
    // Credentials written into the query text itself, in a query that does not even parse.
    await server.client.request(`mutation { login(input: {email: "${email}", password: "${newPassword}"}) {`);
    await server.client.request(op("Logout"), {}, { token: latest.accessToken });
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${accessToken}` } });

    const { passwordHash } = await server.container.db.user.findUniqueOrThrow({ where: { email } });
    const logs = server.rawLogs();
    expect(logs).toContain('"msg":"graphql operation"'); // the variables were logged, redacted
    expect(logs).toContain("[REDACTED]");
    const secrets = [
      PASSWORD,
      newPassword,
      "Wr0ng!password",
      registered.accessToken,
      registered.refreshToken,
      accessToken,
      refreshToken,
      latest.accessToken,
      latest.refreshToken,
      passwordHash,
      TEST_JWT_SECRET,
    ];
    for (const secret of secrets) expect(logs).not.toContain(secret);
    // Nor the signature part of any token on its own.
    for (const token of [accessToken, refreshToken, latest.accessToken]) {
      expect(logs).not.toContain(token.split(".")[2]);
    }
    expect(logs).not.toMatch(/bearer/i);
    expect(logs).not.toMatch(/authorization/i);
  });
});

describe("variables at trace, whatever the client names them", () => {
  it("logs every mutation with random variable names and never a value that lands on a credential", async () => {
    const schema = await buildBareSchema();
    const calls = generateCalls(schema, "mutation");
    for (const call of calls) await server.client.request(call.query, call.variables);
    // And a real refresh token and password under names no list would guess.
    const session = await registerUser(server.client);
    await server.client.request("mutation($t: String!) { refreshToken(refreshToken: $t) { tokenType } }", {
      t: session.refreshToken,
    });
    await server.client.request("mutation($x: LoginInput!) { login(input: $x) { tokenType } }", {
      x: { email: session.user.email, password: PASSWORD },
    });

    const logs = server.rawLogs();
    const positions = calls.flatMap((call) => call.strings.map((s) => ({ ...s, field: call.field })));
    const secret = positions.filter((p) => /password|token|secret/i.test(p.name));
    const visible = positions.filter((p) => p.name === "name" || p.name === "email");
    expect(secret.length).toBeGreaterThan(5);
    for (const position of secret) {
      expect({ at: `${position.field} ${position.path}`, logged: logs.includes(position.value) }).toEqual({
        at: `${position.field} ${position.path}`,
        logged: false,
      });
    }
    // The log does show other variables, so the search above could have found a leak.
    expect(visible.some((p) => logs.includes(p.value))).toBe(true);
    expect(logs).not.toContain(session.refreshToken);
    expect(logs).not.toContain(session.refreshToken.split(".")[2]);
    expect(logs).not.toContain(PASSWORD);
  });
});
