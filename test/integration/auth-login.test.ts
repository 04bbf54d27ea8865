import { Lockout } from "../../src/auth/lockout";
import { errorOf } from "../support/graphql-client";
import { PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { op } from "../support/operations";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_LOGIN_ATTEMPTS: "5", TRUST_PROXY: "true" });
});
afterAll(() => server.stop());

const attempt = (email: string, password: string, headers: Record<string, string> = {}) =>
  server.client.request(op("Login"), { input: { email, password } }, { headers });

const history = (email: string) =>
  server.container.db.loginHistory.findMany({ where: { email }, orderBy: { createdAt: "asc" } });

describe("login", () => {
  it("signs in, sets lastLoginAt and records the attempt with IP and user agent", async () => {
    const { user } = await registerUser(server.client);
    const response = await attempt(` ${user.email.toUpperCase()} `, PASSWORD, {
      "x-forwarded-for": "203.0.113.7",
      "user-agent": "jest-browser/1.0",
    });
    expect(response.errors).toBeUndefined();
    const payload = response.data!.login;
    expect(payload.user.id).toBe(user.id);
    expect(new Date(payload.user.lastLoginAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const [row] = await history(user.email);
    expect(row).toMatchObject({
      userId: user.id,
      success: true,
      ipAddress: "203.0.113.7",
      userAgent: "jest-browser/1.0",
      failureReason: null,
    });
    const loggedIn = await server.container.db.outboxEvent.findMany({
      where: { key: user.id, eventType: "user.logged_in" },
    });
    expect(loggedIn).toHaveLength(1);
  });

  it("gives INVALID_CREDENTIALS for an unknown email and for a wrong password alike", async () => {
    const { user } = await registerUser(server.client);
    const unknown = errorOf(await attempt(uniqueEmail("nobody"), PASSWORD));
    const wrong = errorOf(await attempt(user.email, "Wr0ng!password"));
    expect(unknown).toEqual(wrong);
    expect(wrong).toMatchObject({ code: "INVALID_CREDENTIALS", errorCode: "USER_1001" });
    expect((await history(user.email))[0]).toMatchObject({
      success: false,
      failureReason: "INVALID_PASSWORD",
    });
  });

  it("locks the account after MAX_LOGIN_ATTEMPTS failures in a row, even for the right password", async () => {
    const { user } = await registerUser(server.client);
    for (let i = 1; i <= 4; i++) {
      expect(errorOf(await attempt(user.email, "Wr0ng!password")).code).toBe("INVALID_CREDENTIALS");
    }
    const locking = errorOf(await attempt(user.email, "Wr0ng!password"));
    expect(locking).toMatchObject({ code: "ACCOUNT_LOCKED", errorCode: "USER_1003" });
    const lockedUntil = new Date(locking.lockedUntil).getTime();
    expect(lockedUntil).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(lockedUntil).toBeLessThanOrEqual(Date.now() + 15 * 60_000);

    const withRightPassword = errorOf(await attempt(user.email, PASSWORD));
    expect(withRightPassword).toMatchObject({ code: "ACCOUNT_LOCKED", lockedUntil: locking.lockedUntil });
    expect(withRightPassword.retryAfterSeconds).toBeGreaterThan(0);

    // Once the lock has run out, the right password works again.
    await server.container.redis.hset(Lockout.key(user.email), "until", Date.now() - 1000);
    expect((await attempt(user.email, PASSWORD)).errors).toBeUndefined();
  });

  it("resets the failure count on success", async () => {
    const { user } = await registerUser(server.client);
    for (let i = 0; i < 4; i++) await attempt(user.email, "Wr0ng!password");
    expect((await attempt(user.email, PASSWORD)).errors).toBeUndefined();
    for (let i = 0; i < 4; i++) {
      expect(errorOf(await attempt(user.email, "Wr0ng!password")).code).toBe("INVALID_CREDENTIALS");
    }
  });

  it("tells a disabled account so only after a correct password", async () => {
    const { user } = await registerUser(server.client);
    await server.container.db.user.update({ where: { id: user.id }, data: { isActive: false } });
    expect(errorOf(await attempt(user.email, "Wr0ng!password")).code).toBe("INVALID_CREDENTIALS");
    expect(errorOf(await attempt(user.email, PASSWORD))).toMatchObject({
      code: "ACCOUNT_DISABLED",
      errorCode: "USER_1002",
    });
  });

  it("refuses a malformed email with INVALID_EMAIL_FORMAT", async () => {
    expect(errorOf(await attempt("no-at-sign", PASSWORD)).code).toBe("INVALID_EMAIL_FORMAT");
  });
});

describe("login timing", () => {
  let slow: TestServer;
  beforeAll(async () => {
    // A cost where one hash takes several milliseconds, so a skipped hash would stand out; a
    // lockout far off, so there are samples enough for a median that a busy machine's spikes
    // do not move.
    slow = await startTestServer({ BCRYPT_ROUNDS: "9", MAX_LOGIN_ATTEMPTS: "50" });
  });
  afterAll(() => slow.stop());

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  async function timeLogin(email: string): Promise<number> {
    const started = performance.now();
    await slow.client.request(op("Login"), { input: { email, password: "Wr0ng!password" } });
    return performance.now() - started;
  }

  it("costs about the same for an unknown email as for a wrong password", async () => {
    const { user } = await registerUser(slow.client);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 11; i++) {
      known.push(await timeLogin(user.email));
      unknown.push(await timeLogin(uniqueEmail("ghost")));
    }
    const ratio = median(unknown) / median(known);
    // Without the dummy hash an unknown email answers ~10x faster; with it, both pay one hash.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
