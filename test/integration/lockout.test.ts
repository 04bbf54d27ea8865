import { buildBareSchema } from "../../src/graphql/schema";
import { PASSWORD, registerUser, uniqueEmail, type Session } from "../support/factories";
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { op } from "../support/operations";
import { generateCalls } from "../support/schema-inputs";
import { pollUntil } from "../support/ws-client";
import { startTestServer, type TestServer } from "../support/test-server";
import { Lockout } from "../../src/auth/lockout";

/**
 * The login lockout under concurrency and on every path that checks a password. One hashing
 * thread at a cost where a hash takes a while, so concurrent attempts really overlap.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_LOGIN_ATTEMPTS: "5", BCRYPT_ROUNDS: "12", BCRYPT_CONCURRENCY: "1" });
});
afterAll(() => server.stop());

const WRONG = "Wr0ng!password";
const login = (email: string, password: string) =>
  server.client.request(op("Login"), { input: { email, password } });
const codes = (responses: GraphQLResponse[]) =>
  responses.map((r) => (r.errors ? String(errorOf(r).code) : "OK"));
const count = (list: string[], value: string) => list.filter((item) => item === value).length;
const history = (email: string) => server.container.db.loginHistory.findMany({ where: { email } });

describe("25 concurrent wrong passwords against one account", () => {
  it("hashes only MAX_LOGIN_ATTEMPTS of them, locks on the last, and refuses the rest unhashed", async () => {
    const { user } = await registerUser(server.client);
    const answers = codes(await Promise.all(Array.from({ length: 25 }, () => login(user.email, WRONG))));
    expect(count(answers, "INVALID_CREDENTIALS")).toBe(4);
    expect(count(answers, "ACCOUNT_LOCKED")).toBe(1);
    // Refused while five attempts were in flight: retryable, and no lock is claimed before one is decided.
    expect(count(answers, "RATE_LIMITED")).toBe(20);
    const rows = await history(user.email);
    // Five hashed (four failures and the one that locked); the twenty refused left no row.
    expect(
      count(
        rows.map((r) => r.failureReason!),
        "INVALID_PASSWORD",
      ),
    ).toBe(4);
    expect(
      count(
        rows.map((r) => r.failureReason!),
        "INVALID_PASSWORD_LOCKED",
      ),
    ).toBe(1);
    expect(rows).toHaveLength(5);
    // The lock stands for the right password too.
    expect(errorOf(await login(user.email, PASSWORD)).code).toBe("ACCOUNT_LOCKED");
  });

  it("does not let a correct password log in once the lock is decided", async () => {
    const { user } = await registerUser(server.client);
    const burst = codes(await Promise.all(Array.from({ length: 25 }, () => login(user.email, WRONG))));
    expect(count(burst, "OK")).toBe(0);
    const after = await Promise.all(Array.from({ length: 5 }, () => login(user.email, PASSWORD)));
    expect(codes(after)).toEqual(Array(5).fill("ACCOUNT_LOCKED"));
    expect(
      await server.container.db.loginHistory.count({ where: { email: user.email, success: true } }),
    ).toBe(0);
  });

  it("lets a correct password admitted before the burst log in: no lock was decided while it was in flight", async () => {
    const { user } = await registerUser(server.client);
    const right = login(user.email, PASSWORD);
    await pollUntil(
      async () =>
        (await server.container.redis.hkeys(Lockout.key(user.email))).some((f) => f.startsWith("p:")),
      "the right password's attempt to be admitted",
    );
    const burst = Promise.all(Array.from({ length: 25 }, () => login(user.email, WRONG)));
    const answers = codes(await burst);
    // At most four failures can be admitted beside it, so the limit is never reached.
    expect(count(answers, "ACCOUNT_LOCKED")).toBe(0);
    expect(count(answers, "INVALID_CREDENTIALS")).toBeLessThanOrEqual(4);
    expect((await right).errors).toBeUndefined();
  });
});

describe("a user signing in from several tabs at once", () => {
  it("does not lock their own account", async () => {
    const { user } = await registerUser(server.client);
    const answers = codes(await Promise.all(Array.from({ length: 5 }, () => login(user.email, PASSWORD))));
    expect(answers).toEqual(Array(5).fill("OK"));
    expect(await server.container.lockout.state(user.email)).toEqual({
      failedAttempts: 0,
      lockedUntil: null,
    });
  });
});

describe("an address without an account", () => {
  it("locks exactly as one with an account does: same answers, same lock", async () => {
    const { user } = await registerUser(server.client);
    const nobody = uniqueEmail("nobody");
    const known: Array<Record<string, unknown>> = [];
    const unknown: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 7; i++) {
      known.push(errorOf(await login(user.email, WRONG)));
      unknown.push(errorOf(await login(nobody, WRONG)));
    }
    const shape = (e: Record<string, unknown>) => [e.code, e.errorCode, e.message, typeof e.lockedUntil];
    expect(unknown.map(shape)).toEqual(known.map(shape));
    expect(unknown.map((e) => e.code)).toEqual([
      ...Array(4).fill("INVALID_CREDENTIALS"),
      ...Array(3).fill("ACCOUNT_LOCKED"),
    ]);
    // Redis holds a digest of the address, never the address.
    expect(await server.container.redis.exists(Lockout.key(nobody))).toBe(1);
    expect(await server.container.redis.keys(`*${nobody}*`)).toEqual([]);
  });
});

/** Where each mutation that takes a password reads it, and whether it checks or sets one. */
const PASSWORD_CHECKS: Record<string, string> = {
  "Mutation.login": "input.password",
  "Mutation.changePassword": "input.currentPassword",
  "Mutation.deleteMyAccount": "password",
};
const PASSWORD_SETS = new Set([
  "Mutation.register input.password",
  "Mutation.adminCreateUser input.password",
  "Mutation.changePassword input.newPassword",
  "Mutation.resetPassword newPassword",
]);

describe("every operation that checks a password", () => {
  it("is known: each password argument of the schema either is checked (counted) or sets one", async () => {
    const schema = await buildBareSchema();
    const positions = generateCalls(schema, "mutation").flatMap((call) =>
      call.strings.filter((s) => /password/i.test(s.name)).map((s) => `${call.field} ${s.path}`),
    );
    const checks = Object.entries(PASSWORD_CHECKS).map(([field, path]) => `${field} ${path}`);
    expect(positions.sort()).toEqual([...checks, ...PASSWORD_SETS].sort());
  });

  const attempts: Record<string, (session: Session, password: string) => Promise<GraphQLResponse>> = {
    "Mutation.login": (s, password) => login(s.user.email, password),
    "Mutation.changePassword": (s, password) =>
      server.client.request(
        op("ChangePassword"),
        { input: { currentPassword: password, newPassword: "N3w!Passw0rd" } },
        { token: s.accessToken },
      ),
    "Mutation.deleteMyAccount": (s, password) =>
      server.client.request(op("DeleteMyAccount"), { password }, { token: s.accessToken }),
  };

  it.each(Object.keys(PASSWORD_CHECKS))(
    "%s counts toward the account's lockout, shared with login",
    async (field) => {
      const session = await registerUser(server.client);
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) answers.push(codes([await attempts[field]!(session, WRONG)])[0]!);
      expect(answers).toEqual([...Array(4).fill("INVALID_CREDENTIALS"), "ACCOUNT_LOCKED", "ACCOUNT_LOCKED"]);
      // The lock holds for login and for the operation itself, even with the right password.
      expect(errorOf(await login(session.user.email, PASSWORD)).code).toBe("ACCOUNT_LOCKED");
      if (field !== "Mutation.login") {
        expect(errorOf(await attempts[field]!(session, PASSWORD)).code).toBe("ACCOUNT_LOCKED");
      }
    },
  );
});
