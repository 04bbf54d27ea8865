import { errorOf } from "../support/graphql-client";
import { PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const register = (input: Record<string, unknown>) =>
  server.client.request(op("Register"), {
    input: { email: uniqueEmail(), password: PASSWORD, name: "Ada Lovelace", ...input },
  });

const usersWithEmail = (email: string) =>
  server.container.db.user.count({ where: { email: email.toLowerCase() } });

describe("register", () => {
  it("creates an active, unverified USER, signs it in, and records user.created", async () => {
    const email = `  Ada.${Date.now()}@Example.COM `;
    const response = await register({ email, phone: "+82 10-1234-5678", region: "Seoul" });
    expect(response.errors).toBeUndefined();
    const payload = response.data!.register;
    expect(payload.tokenType).toBe("Bearer");
    expect(payload.expiresIn).toBe(30 * 60);
    expect(payload.user).toMatchObject({
      email: email.trim().toLowerCase(),
      name: "Ada Lovelace",
      role: "USER",
      isActive: true,
      isVerified: false,
      phone: "+82 10-1234-5678",
      region: "Seoul",
    });

    const me = await server.client.request(op("Me"), {}, { token: payload.accessToken });
    expect(me.data?.me.id).toBe(payload.user.id);

    const events = await server.container.db.outboxEvent.findMany({
      where: { key: payload.user.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => e.eventType)).toEqual(["user.created", "notification.welcome"]);
    expect(JSON.stringify(events.map((e) => [e.payload, e.headers]))).not.toMatch(
      /passwordHash|Str0ng|accessToken|refreshToken/,
    );
  });

  it("refuses a taken email regardless of case, and writes nothing", async () => {
    const email = uniqueEmail();
    await registerUser(server.client, { email });
    const response = await register({ email: email.toUpperCase() });
    expect(errorOf(response)).toMatchObject({
      code: "EMAIL_ALREADY_EXISTS",
      errorCode: "USER_1102",
    });
    expect(await usersWithEmail(email)).toBe(1);
    const created = await server.container.db.outboxEvent.count({
      where: { eventType: "user.created", payload: { path: ["data", "email"], equals: email } },
    });
    expect(created).toBe(1);
  });

  it("refuses a malformed email with INVALID_EMAIL_FORMAT", async () => {
    for (const email of ["not-an-email", "a@b", "a b@example.com", "@example.com"]) {
      const response = await register({ email });
      expect(errorOf(response)).toMatchObject({
        code: "INVALID_EMAIL_FORMAT",
        errorCode: "USER_1104",
      });
    }
  });

  it("refuses a weak password, saying what is missing", async () => {
    const email = uniqueEmail();
    const response = await register({ email, password: "password" });
    const error = errorOf(response);
    expect(error).toMatchObject({ code: "WEAK_PASSWORD", errorCode: "USER_1103" });
    expect(error.missing).toEqual(["an upper-case letter", "a digit", "one of !@#$%^&*()_+-="]);
    expect(await usersWithEmail(email)).toBe(0);
  });

  it("refuses a password longer than bcrypt reads (72 bytes) instead of cutting it", async () => {
    const longPassword = `Aa1!${"x".repeat(69)}`; // 73 bytes
    const error = errorOf(await register({ password: longPassword }));
    expect(error.code).toBe("WEAK_PASSWORD");
    expect(error.missing).toEqual(["at most 72 bytes"]);
    // Multi-byte characters count in bytes: 25 Hangul syllables are 75 bytes.
    const hangul = `Aa1!${"가".repeat(25)}`;
    expect(errorOf(await register({ password: hangul })).missing).toEqual(["at most 72 bytes"]);
  });

  it("names every bad field in one BAD_USER_INPUT", async () => {
    const error = errorOf(await register({ name: "A", phone: "call me", businessNumber: "123" }));
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(Object.keys(error.fields).sort()).toEqual(["businessNumber", "name", "phone"]);
  });

  it("normalises a valid business registration number", async () => {
    const { user } = await registerUser(server.client, { businessNumber: "1248100998" });
    expect(user.businessNumber).toBe("124-81-00998");
  });
});
