import { PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { scrape, sample } from "../support/metrics";
import { op } from "../support/operations";
import { createMigratedDatabase } from "../support/test-db";
import { startTestServer, type TestServer } from "../support/test-server";

// A database and a Redis prefix of its own: the outbox and session gauges count whole tables and
// key spaces, which other test files write to at the same time.
let server: TestServer;
let drop: () => Promise<void>;
beforeAll(async () => {
  const database = await createMigratedDatabase("identity_metrics");
  drop = database.drop;
  server = await startTestServer({
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: `${process.env.TEST_REDIS_PREFIX}metrics:`,
    MAX_LOGIN_ATTEMPTS: "2",
  });
});
afterAll(async () => {
  await server.stop();
  await drop();
});

const login = (email: string, password: string) =>
  server.client.request(op("Login"), { input: { email, password } });

describe("GET /metrics", () => {
  it("counts logins, failures, lockouts, signups and token checks, with bounded labels", async () => {
    const registered = await registerUser(server.client);
    const { email } = registered.user;
    expect((await login(email, PASSWORD)).errors).toBeUndefined();
    expect((await login(email, "Wr0ng!password")).errors?.[0]?.extensions?.code).toBe("INVALID_CREDENTIALS");
    // The second failure in a row locks the account (MAX_LOGIN_ATTEMPTS 2).
    expect((await login(email, "Wr0ng!password")).errors?.[0]?.extensions?.code).toBe("ACCOUNT_LOCKED");
    expect((await login(uniqueEmail("nobody"), PASSWORD)).errors).toBeDefined();
    const duplicate = await server.client.request(op("Register"), {
      input: { email, password: PASSWORD, name: "Again" },
    });
    expect(duplicate.errors?.[0]?.extensions?.code).toBe("EMAIL_ALREADY_EXISTS");
    expect(
      (await server.client.request(op("Me"), {}, { token: registered.accessToken })).errors,
    ).toBeUndefined();
    await server.client.request(op("Me"), {}, { token: "not-a-token" });

    const metrics = await scrape(server.url);
    expect(sample(metrics, "user_login_attempts_total", { status: "success" })).toBe(1);
    expect(sample(metrics, "user_login_attempts_total", { status: "failure" })).toBe(3);
    expect(sample(metrics, "user_failed_login_attempts_total", { reason: "invalid_credentials" })).toBe(2);
    expect(sample(metrics, "user_failed_login_attempts_total", { reason: "account_locked" })).toBe(1);
    expect(sample(metrics, "user_account_lockouts_total")).toBe(1);
    expect(sample(metrics, "user_login_duration_seconds_count", { status: "success" })).toBe(1);
    expect(sample(metrics, "user_login_duration_seconds_count", { status: "failure" })).toBe(3);
    expect(sample(metrics, "user_signup_total", { status: "success" })).toBe(1);
    expect(sample(metrics, "user_signup_total", { status: "failure" })).toBe(1);
    expect(sample(metrics, "user_token_verification_duration_seconds_count", { result: "valid" })).toBe(1);
    expect(sample(metrics, "user_token_verification_duration_seconds_count", { result: "invalid" })).toBe(1);

    expect(
      sample(metrics, "graphql_requests_total", { operation: "Login", type: "mutation", outcome: "success" }),
    ).toBe(1);
    expect(sample(metrics, "graphql_requests_total", { operation: "Login", outcome: "client_error" })).toBe(
      3,
    );
    expect(
      sample(metrics, "graphql_request_duration_seconds_count", { operation: "Me", type: "query" }),
    ).toBe(2);
    expect(sample(metrics, "graphql_requests_in_flight")).toBe(0);

    // Node process metrics, and help text for the metrics no request has touched yet.
    expect(sample(metrics, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(metrics, "nodejs_eventloop_lag_seconds")).toBeDefined();
    expect(metrics).toContain("# HELP user_password_reset_total");
    expect(metrics).toContain("# HELP user_email_verification_total");

    // No user ids, emails or tokens as label values.
    expect(metrics).not.toContain(registered.user.id);
    expect(metrics).not.toContain(email);
    expect(metrics).not.toContain(registered.accessToken);
  });

  it("gives operation names chosen by clients a bounded label", async () => {
    await server.client.request("query { __typename }");
    await server.client.request("query Weird_Name_42 { __typename }");
    await server.client.request("query { ");
    const metrics = await scrape(server.url);
    expect(sample(metrics, "graphql_requests_total", { operation: "anonymous", type: "query" })).toBe(1);
    expect(sample(metrics, "graphql_requests_total", { operation: "Weird_Name_42" })).toBe(1);
    // A request that never parsed has no operation to name.
    expect(sample(metrics, "graphql_requests_total", { operation: "unknown", outcome: "client_error" })).toBe(
      1,
    );
  });

  it("reports the live sessions across the deployment, from Redis", async () => {
    const before = sample(await scrape(server.url), "user_active_sessions")!;
    const first = await registerUser(server.client);
    const second = await registerUser(server.client);
    expect(sample(await scrape(server.url), "user_active_sessions")).toBe(before + 2);

    await server.client.request(op("Logout"), {}, { token: first.accessToken });
    expect(sample(await scrape(server.url), "user_active_sessions")).toBe(before + 1);

    // A session that expired on its own stops counting without any event.
    const { sid } = JSON.parse(Buffer.from(second.accessToken.split(".")[1]!, "base64url").toString());
    await server.container.redis.zadd("sessions-active", Date.now() - 1000, sid);
    expect(sample(await scrape(server.url), "user_active_sessions")).toBe(before);
  });

  it("reports the outbox backlog from PostgreSQL: pending events and the oldest one's age", async () => {
    await registerUser(server.client);
    const { db } = server.container;
    const oldest = await db.outboxEvent.findFirst({ where: { publishedAt: null }, orderBy: { id: "asc" } });
    await db.outboxEvent.update({
      where: { id: oldest!.id },
      data: { createdAt: new Date(Date.now() - 3600_000) },
    });
    const pending = await db.outboxEvent.count({ where: { publishedAt: null } });

    const metrics = await scrape(server.url);
    expect(pending).toBeGreaterThan(0);
    expect(sample(metrics, "outbox_pending_events")).toBe(pending);
    const age = sample(metrics, "outbox_oldest_pending_age_seconds")!;
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3700);
  });
});

describe("account recovery metrics", () => {
  it("count reset requests and failed resets, verification links sent and failed verifications", async () => {
    const count = async (name: string, status: string) =>
      sample(await scrape(server.url), name, { status }) ?? 0;
    const before = {
      requested: await count("user_password_reset_total", "requested"),
      resetFailed: await count("user_password_reset_total", "failed"),
      sent: await count("user_email_verification_total", "sent"),
      verifyFailed: await count("user_email_verification_total", "failed"),
    };
    const user = await registerUser(server.client);
    await server.client.request(op("RequestPasswordReset"), { email: uniqueEmail("nobody") });
    await server.client.request(op("ResetPassword"), { token: "not-a-token", newPassword: PASSWORD });
    await server.client.request(op("RequestEmailVerification"), {}, { token: user.accessToken });
    await server.client.request(op("VerifyEmail"), { token: "not-a-token" });

    expect(await count("user_password_reset_total", "requested")).toBe(before.requested + 1);
    expect(await count("user_password_reset_total", "failed")).toBe(before.resetFailed + 1);
    expect(await count("user_email_verification_total", "sent")).toBe(before.sent + 1);
    expect(await count("user_email_verification_total", "failed")).toBe(before.verifyFailed + 1);
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ METRICS_TOKEN: "scrape-secret-123" });
  });
  afterAll(() => guarded.stop());

  it("answers only a scraper that presents the token", async () => {
    const anonymous = await fetch(`${guarded.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      errors: [{ message: "Authentication required.", extensions: { code: "UNAUTHENTICATED" } }],
    });
    expect(
      (await fetch(`${guarded.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);
    expect(await scrape(guarded.url, "scrape-secret-123")).toContain("user_login_attempts_total");
  });
});
