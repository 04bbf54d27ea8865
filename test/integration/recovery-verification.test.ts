import { createHash } from "node:crypto";
import { login, PASSWORD, registerUser } from "../support/factories";
import { errorOf } from "../support/graphql-client";
import { op } from "../support/operations";
import { linkNotifications, VERIFICATION_EVENT, verificationToken } from "../support/recovery";
import { startTestServer, type TestServer } from "../support/test-server";

const FRONTEND_URL = "https://app.example.test/account/";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ FRONTEND_URL, EMAIL_VERIFICATION_TOKEN_TTL_HOURS: "24" });
});
afterAll(() => server.stop());

const verify = (token: string, accessToken?: string) =>
  server.client.request(op("VerifyEmail"), { token }, { token: accessToken });
const me = (accessToken: string) =>
  server.client.request(op("Me"), {}, { token: accessToken }).then((r) => r.data!.me);

describe("requestEmailVerification", () => {
  it("sends a notification request with the user, a random token, its expiry and a link to the frontend", async () => {
    const session = await registerUser(server.client, { name: "Ada Lovelace" });
    const before = Date.now();
    const response = await server.client.request(
      op("RequestEmailVerification"),
      {},
      { token: session.accessToken },
    );
    expect(response.data).toEqual({ requestEmailVerification: true });

    const [link, ...more] = await linkNotifications(server, session.user.id, VERIFICATION_EVENT);
    expect(more).toEqual([]);
    expect(link).toEqual({
      userId: session.user.id,
      email: session.user.email,
      name: "Ada Lovelace",
      template: "email_verification",
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), // 32 random bytes
      expiresAt: expect.any(String),
      link: `https://app.example.test/account/verify-email?token=${link!.token}`,
    });
    const ttl = new Date(link!.expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000 + 60_000);

    // Only a hash is stored.
    const rows = await server.container.db.accountToken.findMany({ where: { userId: session.user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(createHash("sha256").update(link!.token).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(link!.token);
  });

  it("needs a signed-in user", async () => {
    const response = await server.client.request(op("RequestEmailVerification"));
    expect(errorOf(response).code).toBe("UNAUTHENTICATED");
  });

  it("answers false and sends nothing when the address is already verified", async () => {
    const session = await registerUser(server.client);
    expect((await verify(await verificationToken(server, session))).errors).toBeUndefined();
    const again = await server.client.request(
      op("RequestEmailVerification"),
      {},
      { token: session.accessToken },
    );
    expect(again.data).toEqual({ requestEmailVerification: false });
    expect(await linkNotifications(server, session.user.id, VERIFICATION_EVENT)).toHaveLength(1);
  });
});

describe("verifyEmail", () => {
  it("marks the address verified, emits user.updated and returns the user (anyone holding the link)", async () => {
    const session = await registerUser(server.client);
    expect((await me(session.accessToken)).isVerified).toBe(false);
    const token = await verificationToken(server, session);

    // Anonymous: the link may be opened in another browser.
    const response = await verify(token);
    expect(response.errors).toBeUndefined();
    expect(response.data!.verifyEmail).toEqual({ id: session.user.id, name: "Test User", isVerified: true });
    // Written through the cache: the next request sees it at once.
    expect((await me(session.accessToken)).isVerified).toBe(true);

    const events = await server.container.db.outboxEvent.findMany({
      where: { key: session.user.id, eventType: "user.updated" },
    });
    expect(events.map((e) => (e.payload as any).data.updatedFields)).toEqual([["isVerified"]]);
  });

  it("lets the signed-in owner read their whole profile in the answer", async () => {
    const session = await registerUser(server.client);
    const token = await verificationToken(server, session);
    const response = await server.client.request(
      op("VerifyEmailAsOwner"),
      { token },
      { token: session.accessToken },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.verifyEmail).toMatchObject({ email: session.user.email, isVerified: true });
  });

  it("works once: the same token again is VERIFICATION_TOKEN_INVALID", async () => {
    const session = await registerUser(server.client);
    const token = await verificationToken(server, session);
    expect((await verify(token)).errors).toBeUndefined();
    expect(errorOf(await verify(token))).toMatchObject({
      code: "VERIFICATION_TOKEN_INVALID",
      errorCode: "USER_1007",
    });
  });

  it("gives one answer for used, expired, unknown and malformed tokens", async () => {
    const session = await registerUser(server.client);
    const used = await verificationToken(server, session);
    await verify(used);

    const other = await registerUser(server.client);
    const expired = await verificationToken(server, other);
    await server.container.db.accountToken.updateMany({
      where: { userId: other.user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });

    const answers = await Promise.all(
      [used, expired, "A".repeat(43), "not a token", ""].map(async (token) => errorOf(await verify(token))),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ code: "VERIFICATION_TOKEN_INVALID" });
    expect((await me(other.accessToken)).isVerified).toBe(false);
  });

  it("a new link replaces the earlier one", async () => {
    const session = await registerUser(server.client);
    const first = await verificationToken(server, session);
    const second = await verificationToken(server, session);
    expect(second).not.toBe(first);
    expect(errorOf(await verify(first)).code).toBe("VERIFICATION_TOKEN_INVALID");
    expect((await verify(second)).data!.verifyEmail.isVerified).toBe(true);
  });

  it("a verification token is no reset token", async () => {
    const session = await registerUser(server.client);
    const token = await verificationToken(server, session);
    const reset = await server.client.request(op("ResetPassword"), { token, newPassword: "N3w!Passw0rd" });
    expect(errorOf(reset).code).toBe("RESET_TOKEN_INVALID");
    await login(server.client, session.user.email, PASSWORD);
  });
});

describe("REQUIRE_EMAIL_VERIFICATION", () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ REQUIRE_EMAIL_VERIFICATION: "true" });
  });
  afterAll(() => strict.stop());

  const attempt = (email: string, password: string) =>
    strict.client.request(op("Login"), { input: { email, password } });

  it("refuses login to an unverified address with EMAIL_NOT_VERIFIED, sending a fresh link", async () => {
    const session = await registerUser(strict.client);
    const refused = errorOf(await attempt(session.user.email, PASSWORD));
    expect(refused).toMatchObject({
      code: "EMAIL_NOT_VERIFIED",
      errorCode: "USER_1004",
      verificationSent: true,
    });

    // A wrong password learns nothing about the address's state.
    expect(errorOf(await attempt(session.user.email, "Wr0ng!password")).code).toBe("INVALID_CREDENTIALS");

    const [link] = await linkNotifications(strict, session.user.id, VERIFICATION_EVENT);
    expect((await strict.client.request(op("VerifyEmail"), { token: link!.token })).errors).toBeUndefined();
    const signedIn = await attempt(session.user.email, PASSWORD);
    expect(signedIn.errors).toBeUndefined();
    expect(signedIn.data!.login.user.isVerified).toBe(true);
  });

  it("is off by default", async () => {
    const session = await registerUser(server.client);
    await login(server.client, session.user.email);
  });
});

describe("the link in the logs", () => {
  it("is logged at info level in development", async () => {
    const dev = await startTestServer({ NODE_ENV: "development", LOG_LEVEL: "debug" });
    try {
      const session = await registerUser(dev.client);
      const token = await verificationToken(dev, session);
      const line = dev.logs.find((l) => String(l.link ?? "").includes(token));
      expect(line).toMatchObject({ level: 30, purpose: "EMAIL_VERIFICATION", userId: session.user.id });
    } finally {
      await dev.stop();
    }
  });

  it("never in production, even at debug level; and never in tests", async () => {
    const prod = await startTestServer({ NODE_ENV: "production", LOG_LEVEL: "trace" });
    try {
      const session = await registerUser(prod.client);
      const token = await verificationToken(prod, session);
      expect(prod.rawLogs()).not.toContain(token);
      expect(prod.rawLogs()).not.toContain("verify-email");
    } finally {
      await prod.stop();
    }
    const session = await registerUser(server.client);
    expect(server.rawLogs()).not.toContain(await verificationToken(server, session));
  });
});
