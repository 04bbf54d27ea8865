import { errorOf } from "../support/graphql-client";
import { registerUser, uniqueEmail } from "../support/factories";
import { op } from "../support/operations";
import { fromIp, randomIp, rateLimitEnv } from "../support/rate-limits";
import { startTestServer, type TestServer } from "../support/test-server";

// What a developer meets with NODE_ENV=development (the default), against what production and
// the tests keep: the real server over HTTP, as a browser or a sign-up form would use it.
let development: TestServer;
let strict: TestServer;
beforeAll(async () => {
  // Rate limits on (the tests' own default is off), logs at info as a developer runs it.
  const env = { ...rateLimitEnv(), LOG_LEVEL: "info" };
  [development, strict] = await Promise.all([
    startTestServer({ ...env, NODE_ENV: "development" }),
    startTestServer({ ...env, NODE_ENV: "test" }),
  ]);
});
afterAll(() => Promise.all([development?.stop(), strict?.stop()]));

const FRONTEND = "http://localhost:3000";

function preflight(server: TestServer, origin: string) {
  return fetch(server.graphqlUrl, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
}

describe("CORS", () => {
  it("lets a frontend at FRONTEND_URL call from the browser in development, and only there", async () => {
    const allowed = await preflight(development, FRONTEND);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(FRONTEND);
    const post = await fetch(development.graphqlUrl, {
      method: "POST",
      headers: { origin: FRONTEND, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(post.headers.get("access-control-allow-origin")).toBe(FRONTEND);

    expect((await preflight(strict, FRONTEND)).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("says in the development log why it refused another origin, once per origin", async () => {
    const other = "http://localhost:5173";
    for (let i = 0; i < 2; i++) {
      const refused = await preflight(development, other);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    }
    const hints = development.logs.filter((line) => String(line.msg).startsWith("CORS:"));
    expect(hints).toEqual([
      expect.objectContaining({
        level: 40,
        origin: other,
        allowed: [FRONTEND],
        msg: `CORS: browsers at ${other} may not call this gateway; add the origin to CORS_ORIGINS`,
      }),
    ]);
    await preflight(strict, other);
    expect(strict.logs.some((line) => String(line.msg).startsWith("CORS:"))).toBe(false);
  });
});

describe("rate limits", () => {
  it("let a developer sign up again and again; elsewhere the design's 3 per hour hold", async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) await registerUser(development.client, {}, fromIp(ip).headers);

    const strictIp = randomIp();
    for (let i = 0; i < 3; i++) await registerUser(strict.client, {}, fromIp(strictIp).headers);
    const fourth = await strict.client.request(
      op("Register"),
      { input: { email: uniqueEmail(), password: "Str0ng!Passw0rd", name: "Fourth" } },
      fromIp(strictIp),
    );
    expect(errorOf(fourth)).toMatchObject({ code: "RATE_LIMITED" });
  });
});

describe("one-time links", () => {
  const linkLines = (server: TestServer) =>
    server.logs.filter((line) => String(line.msg).startsWith("development only:"));

  it("are logged at info in development, where a developer can click them", async () => {
    const user = await registerUser(development.client, {}, fromIp(randomIp()).headers);
    const asked = await development.client.request(
      op("RequestEmailVerification"),
      {},
      { token: user.accessToken },
    );
    expect(asked.errors).toBeUndefined();
    const reset = await development.client.request(
      op("RequestPasswordReset"),
      { email: user.user.email },
      fromIp(randomIp()),
    );
    expect(reset.errors).toBeUndefined();
    await development.container.background.idle();

    const lines = linkLines(development).filter((line) => line.userId === user.user.id);
    expect(lines.map((line) => [line.level, line.purpose])).toEqual([
      [30, "EMAIL_VERIFICATION"],
      [30, "PASSWORD_RESET"],
    ]);
    expect(lines[0]!.msg).toMatch(
      /^development only: e-mail verification link http:\/\/localhost:3000\/verify-email\?token=[\w-]{43}$/,
    );
    expect(lines[1]!.msg).toMatch(
      /^development only: password reset link http:\/\/localhost:3000\/reset-password\?token=[\w-]{43}$/,
    );
  });

  it("are never logged elsewhere, at any level", async () => {
    const quiet = await startTestServer({ NODE_ENV: "test", LOG_LEVEL: "trace" });
    try {
      const user = await registerUser(quiet.client);
      await quiet.client.request(op("RequestEmailVerification"), {}, { token: user.accessToken });
      await quiet.client.request(op("RequestPasswordReset"), { email: user.user.email });
      await quiet.container.background.idle();
      expect(linkLines(quiet)).toEqual([]);
      expect(quiet.rawLogs()).not.toMatch(/verify-email\?token=|reset-password\?token=/);
    } finally {
      await quiet.stop();
    }
  });
});
