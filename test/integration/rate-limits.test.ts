import { login, PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { op } from "../support/operations";
import { fromIp, randomIp, rateLimitEnv, redisReady } from "../support/rate-limits";
import { resetToken, verificationToken } from "../support/recovery";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { startTestServer, type TestServer } from "../support/test-server";
import { waitFor } from "../support/kafka-consumer";

let server: TestServer;
const limitsEnv = () =>
  rateLimitEnv({
    RATE_LIMIT_LOGIN_PER_IP: "5/1m",
    RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: "4/1h",
    RATE_LIMIT_REGISTER_PER_IP: "3/1h",
    RATE_LIMIT_PASSWORD_RESET_PER_EMAIL: "2/1h",
    RATE_LIMIT_PASSWORD_RESET_PER_IP: "4/1h",
    RATE_LIMIT_VERIFICATION_PER_EMAIL: "2/1h",
    RATE_LIMIT_VERIFICATION_PER_IP: "4/1h",
    RATE_LIMIT_TOKEN_PER_IP: "3/1h",
    RATE_LIMIT_REFRESH_PER_SESSION: "3/1h",
    // The lockout would answer first; these tests are about the limits.
    MAX_LOGIN_ATTEMPTS: "100",
  });
beforeAll(async () => {
  server = await startTestServer(limitsEnv());
  await redisReady(server);
});
afterAll(() => server.stop());

const WRONG = "Wr0ng!password";
const codes = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions?.code);
const loginAs = (email: string, password: string, ip: string) =>
  server.client.request(op("Login"), { input: { email, password } }, fromIp(ip));
/** Login attempts that ran (the login history keeps each with its client address). */
const attemptsFrom = (ip: string) => server.container.db.loginHistory.count({ where: { ipAddress: ip } });
/** A user registered from an address of its own, so setting it up uses no budget of the test's. */
const newUser = () => registerUser(server.client, {}, fromIp(randomIp()).headers);

function expectLimited(response: GraphQLResponse, limit: string, windowSeconds: number) {
  const error = errorOf(response);
  expect(error).toMatchObject({ code: "RATE_LIMITED", errorCode: "USER_1301", limit });
  expect(error.retryAfterSeconds).toBeGreaterThan(0);
  expect(error.retryAfterSeconds).toBeLessThanOrEqual(windowSeconds);
}

/** A login mutation with `count` aliased login fields, all for the same account. */
function aliasedLogins(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `a${i}: login(input: $input) { tokenType }`).join(
    "\n",
  );
  return `mutation($input: LoginInput!) {\n${fields}\n}`;
}

describe("login, per IP", () => {
  it("allows 5 attempts a minute from one address, then RATE_LIMITED with the seconds to wait", async () => {
    const user = await newUser();
    const ip = randomIp();
    for (let i = 0; i < 4; i++)
      expect(codes(await loginAs(uniqueEmail(), WRONG, ip))).toEqual(["INVALID_CREDENTIALS"]);
    expect((await loginAs(user.user.email, PASSWORD, ip)).errors).toBeUndefined();
    expectLimited(await loginAs(user.user.email, PASSWORD, ip), "loginPerIp", 60);
    // Another address is not affected.
    expect((await loginAs(user.user.email, PASSWORD, randomIp())).errors).toBeUndefined();
  });

  // A mutation's fields run one after another, and an error in a non-null root field ends the
  // request (data: null), so the aliases use the right password: each one that runs signs in.
  it("counts aliased fields: of 8 login fields in one request, 5 run and the 6th is refused", async () => {
    const user = await newUser();
    const ip = randomIp();
    const response = await server.client.request(
      aliasedLogins(8),
      { input: { email: user.user.email, password: PASSWORD } },
      fromIp(ip),
    );
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.path).toEqual(["a5"]);
    expectLimited(response, "loginPerIp", 60);
    expect(await attemptsFrom(ip)).toBe(5);
    // The budget is spent: the next request from there is refused too.
    expectLimited(await loginAs(user.user.email, PASSWORD, ip), "loginPerIp", 60);
  });

  it("never runs more than 5 attempts a minute from one address, however a request is shaped", async () => {
    const ip = randomIp();
    const shapes = [
      { query: aliasedLogins(100), variables: { input: { email: uniqueEmail(), password: WRONG } } },
      {
        query: aliasedLogins(100),
        variables: { input: { email: (await newUser()).user.email, password: PASSWORD } },
      },
    ];
    for (const { query, variables } of shapes) await server.client.request(query, variables, fromIp(ip));
    const ran = await attemptsFrom(ip);
    expect(ran).toBeLessThanOrEqual(5);
    // Whatever did not run is still there to use, and no more.
    for (let i = ran; i < 5; i++)
      expect(codes(await loginAs(uniqueEmail(), WRONG, ip))).toEqual(["INVALID_CREDENTIALS"]);
    expectLimited(await loginAs(uniqueEmail(), WRONG, ip), "loginPerIp", 60);
  });

  it("refuses an array of operations before any runs (batching is off), using no attempt", async () => {
    const user = await newUser();
    const ip = randomIp();
    const batch = Array.from({ length: 100 }, () => ({
      query: op("Login"),
      variables: { input: { email: user.user.email, password: WRONG } },
    }));
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body: JSON.stringify(batch),
    });
    expect(response.status).toBe(400);
    expect(await attemptsFrom(ip)).toBe(0);
    for (let i = 0; i < 5; i++) expect((await loginAs(user.user.email, PASSWORD, ip)).errors).toBeUndefined();
    expectLimited(await loginAs(user.user.email, PASSWORD, ip), "loginPerIp", 60);
  });

  it("counts each operation of an array where batching is on: 5 of 100 run", async () => {
    // The same gateway, with batched HTTP requests switched on (GRAPHQL_ALLOW_BATCHING).
    const batching = await startTestServer({ ...limitsEnv(), GRAPHQL_ALLOW_BATCHING: "true" });
    try {
      const ip = randomIp();
      // Different (unknown) accounts, so only the per-IP limit is in play.
      const batch = Array.from({ length: 100 }, () => ({
        query: op("Login"),
        variables: { input: { email: uniqueEmail(), password: WRONG } },
      }));
      const response = await fetch(batching.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip },
        body: JSON.stringify(batch),
      });
      const results = (await response.json()) as GraphQLResponse[];
      expect(results).toHaveLength(100);
      const answers = results.map((r) => `${codes(r)[0]}:${r.errors?.[0]?.extensions?.limit ?? ""}`);
      expect(answers.filter((a) => a === "INVALID_CREDENTIALS:")).toHaveLength(5);
      expect(answers.filter((a) => a === "RATE_LIMITED:loginPerIp")).toHaveLength(95);
      expect(await attemptsFrom(ip)).toBe(5);
    } finally {
      await batching.stop();
    }
  });
});

describe("failed logins, per account across addresses", () => {
  it("stops a guess spread over many addresses, even for the right password", async () => {
    const user = await newUser();
    for (let i = 0; i < 4; i++) {
      expect(codes(await loginAs(user.user.email, WRONG, randomIp()))).toEqual(["INVALID_CREDENTIALS"]);
    }
    expectLimited(await loginAs(user.user.email, PASSWORD, randomIp()), "loginFailuresPerAccount", 3600);
    // Another account is not affected.
    const other = await newUser();
    expect((await loginAs(other.user.email, PASSWORD, randomIp())).errors).toBeUndefined();
  });

  it("treats an unknown address the same way, so the limit tells nothing about who has an account", async () => {
    const known = await newUser();
    const unknown = uniqueEmail("nobody");
    const answers = { known: [] as unknown[], unknown: [] as unknown[] };
    for (let i = 0; i < 5; i++) {
      answers.known.push(codes(await loginAs(known.user.email, WRONG, randomIp())));
      answers.unknown.push(codes(await loginAs(unknown, WRONG, randomIp())));
    }
    expect(answers.known).toEqual(answers.unknown);
    expect(answers.known.at(-1)).toEqual(["RATE_LIMITED"]);
  });

  it("forgets the failures after a successful login", async () => {
    const user = await newUser();
    for (let i = 0; i < 3; i++) await loginAs(user.user.email, WRONG, randomIp());
    expect((await loginAs(user.user.email, PASSWORD, randomIp())).errors).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      expect(codes(await loginAs(user.user.email, WRONG, randomIp()))).toEqual(["INVALID_CREDENTIALS"]);
    }
    expect((await loginAs(user.user.email, PASSWORD, randomIp())).errors).toBeUndefined();
  });

  it("is cleared by a password reset", async () => {
    const user = await newUser();
    for (let i = 0; i < 4; i++) await loginAs(user.user.email, WRONG, randomIp());
    expect(codes(await loginAs(user.user.email, PASSWORD, randomIp()))).toEqual(["RATE_LIMITED"]);
    const token = await resetToken(server, user.user, fromIp(randomIp()).headers);
    const reset = await server.client.request(
      op("ResetPassword"),
      { token, newPassword: "N3w!Passw0rd" },
      fromIp(randomIp()),
    );
    expect(reset.errors).toBeUndefined();
    expect((await loginAs(user.user.email, "N3w!Passw0rd", randomIp())).errors).toBeUndefined();
  });
});

describe("register, per IP", () => {
  const register = (ip: string) =>
    server.client.request(
      op("Register"),
      { input: { email: uniqueEmail(), password: PASSWORD, name: "Limited" } },
      fromIp(ip),
    );

  it("allows 3 an hour from one address", async () => {
    const ip = randomIp();
    for (let i = 0; i < 3; i++) expect((await register(ip)).errors).toBeUndefined();
    expectLimited(await register(ip), "registerPerIp", 3600);
    expect((await register(randomIp())).errors).toBeUndefined();
  });

  it("counts aliased fields: 3 of 10 accounts are created, the 4th is refused", async () => {
    const emails = Array.from({ length: 10 }, () => uniqueEmail("alias"));
    const fields = emails
      .map(
        (email, i) =>
          `r${i}: register(input: {email: "${email}", password: "${PASSWORD}", name: "Alias"}) { tokenType }`,
      )
      .join("\n");
    const response = await server.client.request(`mutation {\n${fields}\n}`, {}, fromIp(randomIp()));
    expect(response.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([[["r3"], "RATE_LIMITED"]]);
    expect(await server.container.db.user.count({ where: { email: { in: emails } } })).toBe(3);
  });
});

describe("password reset requests, per e-mail and per IP", () => {
  const request = (email: string, ip: string) =>
    server.client.request(op("RequestPasswordReset"), { email }, fromIp(ip));

  it("allows 2 an hour per address, from any IP, known or not", async () => {
    for (const email of [(await newUser()).user.email, uniqueEmail("nobody")]) {
      expect((await request(email, randomIp())).data).toEqual({ requestPasswordReset: true });
      expect((await request(email, randomIp())).data).toEqual({ requestPasswordReset: true });
      expectLimited(await request(email, randomIp()), "passwordResetPerEmail", 3600);
    }
  });

  it("allows 4 an hour per IP, whatever the addresses", async () => {
    const ip = randomIp();
    for (let i = 0; i < 4; i++) expect((await request(uniqueEmail(), ip)).errors).toBeUndefined();
    expectLimited(await request(uniqueEmail(), ip), "passwordResetPerIp", 3600);
  });
});

describe("verification requests, per e-mail and per IP", () => {
  const request = (accessToken: string, ip: string) =>
    server.client.request(op("RequestEmailVerification"), {}, { token: accessToken, ...fromIp(ip) });

  it("allows 2 an hour per address", async () => {
    const user = await newUser();
    for (let i = 0; i < 2; i++) expect((await request(user.accessToken, randomIp())).errors).toBeUndefined();
    expectLimited(await request(user.accessToken, randomIp()), "verificationPerEmail", 3600);
  });

  it("allows 4 an hour per IP", async () => {
    const ip = randomIp();
    for (let i = 0; i < 4; i++) {
      expect((await request((await newUser()).accessToken, ip)).errors).toBeUndefined();
    }
    expectLimited(await request((await newUser()).accessToken, ip), "verificationPerIp", 3600);
  });
});

describe("one-time tokens, per IP", () => {
  it("allows 3 verifyEmail or resetPassword attempts an hour from one address", async () => {
    const ip = randomIp();
    const verify = (token: string) => server.client.request(op("VerifyEmail"), { token }, fromIp(ip));
    const reset = (token: string) =>
      server.client.request(op("ResetPassword"), { token, newPassword: "N3w!Passw0rd" }, fromIp(ip));
    expect(codes(await verify("A".repeat(43)))).toEqual(["VERIFICATION_TOKEN_INVALID"]);
    expect(codes(await reset("B".repeat(43)))).toEqual(["RESET_TOKEN_INVALID"]);
    const user = await newUser();
    const token = await verificationToken(server, user, fromIp(randomIp()).headers);
    expect((await verify(token)).errors).toBeUndefined();
    expectLimited(await reset("C".repeat(43)), "tokenPerIp", 3600);
  });
});

describe("refresh, per session", () => {
  it("allows 3 refreshes an hour per session", async () => {
    const user = await newUser();
    let refreshToken = user.refreshToken;
    for (let i = 0; i < 3; i++) {
      const response = await server.client.request(op("RefreshToken"), { refreshToken });
      expect(response.errors).toBeUndefined();
      refreshToken = response.data!.refreshToken.refreshToken;
    }
    expectLimited(
      await server.client.request(op("RefreshToken"), { refreshToken }),
      "refreshPerSession",
      3600,
    );
    // Another session of the same user has its own budget.
    const other = await login(server.client, user.user.email, PASSWORD, fromIp(randomIp()).headers);
    expect(
      (await server.client.request(op("RefreshToken"), { refreshToken: other.refreshToken })).errors,
    ).toBeUndefined();
  });
});

describe("RATE_LIMIT_ENABLED=false", () => {
  it("turns every limit off", async () => {
    const open = await startTestServer({
      RATE_LIMIT_ENABLED: "false",
      RATE_LIMIT_LOGIN_PER_IP: "1/1h",
      GRAPHQL_MAX_ALIASES: "25",
    });
    try {
      const user = await registerUser(open.client);
      const response = await open.client.request(aliasedLogins(20), {
        input: { email: user.user.email, password: PASSWORD },
      });
      expect(response.errors).toBeUndefined();
      expect(Object.keys(response.data!)).toHaveLength(20);
    } finally {
      await open.stop();
    }
  });
});

describe("Redis unreachable", () => {
  let proxy: TcpProxy;
  let cutOff: TestServer;
  beforeAll(async () => {
    const redis = new URL(process.env.TEST_REDIS_URL!);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    cutOff = await startTestServer(rateLimitEnv({ REDIS_URL: proxy.url("redis") }));
    await redisReady(cutOff);
  });
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await cutOff.stop();
    await proxy.close();
  });

  it("fails closed: login, register and password reset are refused with RATE_LIMIT_UNAVAILABLE, and nothing runs", async () => {
    const user = await registerUser(cutOff.client, {}, fromIp(randomIp()).headers);
    const token = await resetToken(cutOff, user.user, fromIp(randomIp()).headers);
    const redis = cutOff.container.redis;
    await proxy.cut();
    await waitFor(() => redis.status !== "ready", 5000, "the Redis client to notice");

    const email = uniqueEmail("cut");
    const ip = fromIp(randomIp());
    const answers = [
      await cutOff.client.request(op("Login"), { input: { email: user.user.email, password: PASSWORD } }, ip),
      await cutOff.client.request(
        op("Register"),
        { input: { email, password: PASSWORD, name: "Cut Off" } },
        ip,
      ),
      await cutOff.client.request(op("RequestPasswordReset"), { email: user.user.email }, ip),
      await cutOff.client.request(op("ResetPassword"), { token, newPassword: "N3w!Passw0rd" }, ip),
    ];
    for (const answer of answers) {
      expect(errorOf(answer)).toMatchObject({
        code: "RATE_LIMIT_UNAVAILABLE",
        errorCode: "USER_1302",
        message: expect.stringContaining("try again shortly"),
      });
    }
    await cutOff.container.background.idle();
    const db = cutOff.container.db;
    expect(await db.loginHistory.count({ where: { userId: user.user.id, success: true } })).toBe(0);
    expect(await db.user.count({ where: { email } })).toBe(0);
    expect(await db.accountToken.count({ where: { userId: user.user.id, usedAt: { not: null } } })).toBe(0);
    expect(await db.accountToken.count({ where: { userId: user.user.id } })).toBe(1);

    // Back again: the limits answer and the operations run.
    await proxy.restore();
    await waitFor(() => redis.status === "ready", 10_000, "the Redis client to reconnect");
    const again = await cutOff.client.request(
      op("Login"),
      { input: { email: user.user.email, password: PASSWORD } },
      ip,
    );
    expect(again.errors).toBeUndefined();
  });

  it("fails closed too when Redis has not answered since start-up", async () => {
    const nowhere = await startTcpProxy({ host: "127.0.0.1", port: 9 });
    await nowhere.cut(); // a port where nothing listens
    const neverConnected = await startTestServer(rateLimitEnv({ REDIS_URL: nowhere.url("redis") }));
    try {
      const email = uniqueEmail("never");
      const ip = fromIp(randomIp());
      const answers = [
        await neverConnected.client.request(op("Login"), { input: { email, password: PASSWORD } }, ip),
        await neverConnected.client.request(
          op("Register"),
          { input: { email, password: PASSWORD, name: "Never" } },
          ip,
        ),
        await neverConnected.client.request(op("RequestPasswordReset"), { email }, ip),
      ];
      for (const answer of answers) expect(errorOf(answer).code).toBe("RATE_LIMIT_UNAVAILABLE");
      expect(await neverConnected.container.db.loginHistory.count({ where: { email } })).toBe(0);
      expect(await neverConnected.container.db.user.count({ where: { email } })).toBe(0);
    } finally {
      await neverConnected.stop();
    }
  });
});
