import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { commonPasswordCount, isCommonPassword } from "../../src/auth/common-passwords";
import { PasswordHasher } from "../../src/auth/password.hasher";
import { PasswordBreachCheck } from "../../src/auth/password-breach.check";
import { PasswordHistory } from "../../src/auth/password-history";
import { PasswordHistoryRepository } from "../../src/auth/password-history.repository";
import { PwnedPasswordsClient } from "../../src/auth/pwned-passwords.client";
import { noTracing, type Tracing } from "../../src/observability/tracing";
import { PASSWORD } from "../support/factories";
import { createMfaHarness, insertUser, type MfaHarness } from "../support/mfa";

let h: MfaHarness;
beforeAll(() => {
  h = createMfaHarness();
});
afterAll(() => h.close());

describe("password history", () => {
  /** The hashing pool, with a tracer that counts the bcrypt calls it runs on its threads. */
  const spans: string[] = [];
  const tracing: Tracing = { ...noTracing, span: (name, work) => (spans.push(name), work()) };
  let hasher: PasswordHasher;
  beforeAll(() => {
    hasher = new PasswordHasher({ options: { rounds: 4, concurrency: 2, nice: 0 }, tracing });
  });
  afterAll(() => hasher.close());

  /** A user whose passwords were, in order, `passwords` (the last is the current one). */
  async function userWithPasswords(history: PasswordHistory, passwords: string[]) {
    const user = await insertUser(h.db);
    let current = await hasher.hash(passwords[0]!);
    for (const next of passwords.slice(1)) {
      await history.remember(h.db, user.id, current);
      current = await hasher.hash(next);
    }
    return { userId: user.id, currentHash: current };
  }

  it("refuses any of the last N passwords, the current one included, and accepts older ones", async () => {
    const repository = new PasswordHistoryRepository({ db: h.db });
    const history = new PasswordHistory({ history: repository, hasher, size: 3 });
    const { userId, currentHash } = await userWithPasswords(history, [
      "Old!Pass0",
      "Old!Pass1",
      "Old!Pass2",
      "Old!Pass3",
    ]);
    expect(await repository.recent(userId, 10)).toHaveLength(2); // size - 1 kept besides the current

    spans.length = 0;
    for (const recent of ["Old!Pass3", "Old!Pass2", "Old!Pass1"]) {
      await expect(history.assertNotRecent(userId, currentHash, recent)).rejects.toMatchObject({
        code: "WEAK_PASSWORD",
        details: {
          errorCode: "USER_1103",
          reason: "RECENTLY_USED",
          field: "newPassword",
          missing: ["not one of your last 3 passwords"],
        },
      });
    }
    await history.assertNotRecent(userId, currentHash, "Old!Pass0"); // 4 passwords ago
    await history.assertNotRecent(userId, currentHash, "Brand!New9");
    // Every comparison ran as a bcrypt compare on the hashing pool: 3 per check, 5 checks.
    expect(spans.filter((s) => s === "bcrypt.compare")).toHaveLength(15);
  });

  it("keeps nothing and checks nothing when the size is 0, and forgets what was kept", async () => {
    const repository = new PasswordHistoryRepository({ db: h.db });
    const on = new PasswordHistory({ history: repository, hasher, size: 5 });
    const { userId, currentHash } = await userWithPasswords(on, ["Old!Pass0", "Old!Pass1"]);
    expect(await repository.recent(userId, 10)).toHaveLength(1);

    const off = new PasswordHistory({ history: repository, hasher, size: 0 });
    spans.length = 0;
    await off.assertNotRecent(userId, currentHash, "Old!Pass1");
    expect(spans).toEqual([]);
    await off.remember(h.db, userId, currentHash);
    expect(await repository.recent(userId, 10)).toEqual([]);
  });

  it("is erased with the account", async () => {
    const repository = new PasswordHistoryRepository({ db: h.db });
    const history = new PasswordHistory({ history: repository, hasher, size: 5 });
    const erased = await userWithPasswords(history, ["Old!Pass0", "Old!Pass1", "Old!Pass2"]);
    expect(await repository.removeAll(h.db, erased.userId)).toBe(2);
    const deleted = await userWithPasswords(history, ["Old!Pass0", "Old!Pass1"]);
    await h.db.user.delete({ where: { id: deleted.userId } });
    expect(
      await h.db.passwordHistory.count({ where: { userId: { in: [erased.userId, deleted.userId] } } }),
    ).toBe(0);
  });
});

describe("the offline breached-password list", () => {
  it("holds the most common breached passwords and sees through the usual dressing-up", () => {
    expect(commonPasswordCount()).toBeGreaterThan(40_000);
    for (const dressed of [
      "password",
      "Password1!",
      "P@ssw0rd123!",
      "Qwerty123!",
      "Summer2024!",
      "M0nkey!!",
      "Iloveyou1!",
      "Dr@gon2024!",
      "$unshine99",
      "W3lc0me#1",
      "S3cr3t!!",
    ]) {
      expect([dressed, isCommonPassword(dressed)]).toEqual([dressed, true]);
    }
    for (const fine of [
      PASSWORD,
      "N3w!Passw0rd",
      "Xk7#pL9@vQ2m",
      "Abc!1234x9Qz",
      "correct-Horse-battery-1!",
    ]) {
      expect([fine, isCommonPassword(fine)]).toEqual([fine, false]);
    }
  });
});

/** A local stand-in for the Pwned Passwords range API: real HTTP, answers from `breached`. */
class FakeRangeApi {
  readonly requests: Array<{ url: string; headers: IncomingMessage["headers"] }> = [];
  mode: "up" | "error" | "stall" = "up";
  private server!: Server;
  constructor(private readonly breached: Record<string, number>) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests.push({ url: req.url ?? "", headers: req.headers });
      if (this.mode === "stall") return; // never answers; the client's timeout ends it
      if (this.mode === "error") return void res.writeHead(503).end("down for maintenance");
      const prefix = (req.url ?? "").replace("/range/", "");
      const lines = Object.entries(this.breached)
        .map(
          ([password, count]) =>
            [createHash("sha1").update(password).digest("hex").toUpperCase(), count] as const,
        )
        .filter(([digest]) => digest.startsWith(prefix))
        .map(([digest, count]) => `${digest.slice(5)}:${count}`);
      // Padding as the real API adds it: fake suffixes with a count of 0.
      lines.push("0000000000000000000000000000000000A:0", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0");
      res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe("the online breached-password check (Have I Been Pwned range API)", () => {
  const BREACHED = "Correct!Horse9Battery"; // not on the offline list, "in a breach" of the fake
  const api = new FakeRangeApi({ [BREACHED]: 42 });
  let url: string;
  beforeAll(async () => {
    url = await api.start();
  });
  afterAll(() => api.stop());

  function client(resetTimeoutMs = 60_000) {
    return new PwnedPasswordsClient({
      options: {
        url,
        timeoutMs: 200,
        breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs },
        userAgent: "aegis-identity-gateway-test",
      },
      logger: h.logger,
    });
  }

  it("sends only the first 5 hex characters of the SHA-1, asks for padding, and matches locally", async () => {
    const pwned = client();
    const check = new PasswordBreachCheck({ mode: "online", pwned, logger: h.logger });
    api.requests.length = 0;
    expect(await check.check(BREACHED)).toEqual({ breached: true, source: "breach-corpus", timesSeen: 42 });
    expect(await check.check("Never!Seen7Anywhere")).toEqual({ breached: false, screened: "online" });
    await expect(check.assertNotBreached(BREACHED, "newPassword")).rejects.toMatchObject({
      code: "WEAK_PASSWORD",
      details: { errorCode: "USER_1103", reason: "BREACHED", field: "newPassword" },
    });

    expect(api.requests).toHaveLength(3);
    for (const request of api.requests) {
      expect(request.url).toMatch(/^\/range\/[0-9A-F]{5}$/);
      expect(request.headers["add-padding"]).toBe("true");
      expect(request.headers["user-agent"]).toBe("aegis-identity-gateway-test");
    }
    const sent = api.requests.map((r) => r.url).join(" ");
    const digest = createHash("sha1").update(BREACHED).digest("hex").toUpperCase();
    expect(sent).toContain(digest.slice(0, 5));
    expect(sent).not.toContain(digest.slice(5, 10));
    // The offline list answers first, without a call.
    api.requests.length = 0;
    expect(await check.check("Password1!")).toEqual({ breached: true, source: "common-list" });
    expect(api.requests).toHaveLength(0);
    pwned.shutdown();
  });

  it("fails open with a warning through an outage, opens the breaker, and closes it when the API is back", async () => {
    const pwned = client(300);
    const check = new PasswordBreachCheck({ mode: "online", pwned, logger: h.logger });
    try {
      for (const mode of ["error", "stall", "error"] as const) {
        api.mode = mode;
        expect(await check.check(BREACHED)).toEqual({ breached: false, screened: "offline-only" });
      }
      expect(pwned.state).toBe("open");
      // Open: no call reaches the API, and the check still answers (the offline list decides).
      api.requests.length = 0;
      expect(await check.check(BREACHED)).toEqual({ breached: false, screened: "offline-only" });
      expect(await check.check("Password1!")).toEqual({ breached: true, source: "common-list" });
      expect(api.requests).toHaveLength(0);
      const messages = h.logs().map((l) => String(l.msg));
      expect(messages).toContain(
        "pwned passwords circuit open: passwords are screened against the offline list only until it answers again",
      );
      expect(messages.filter((m) => m.startsWith("password breach check unavailable"))).toHaveLength(4);
      expect(JSON.stringify(h.logs())).not.toContain(BREACHED);

      // Back: after the reset time one trial call goes through and closes the breaker.
      api.mode = "up";
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await check.check(BREACHED)).toMatchObject({ breached: true, source: "breach-corpus" });
      expect(pwned.state).toBe("closed");
    } finally {
      api.mode = "up";
      pwned.shutdown();
    }
  });

  it("never calls out in offline mode, and checks nothing when off", async () => {
    api.requests.length = 0;
    const offline = new PasswordBreachCheck({ mode: "offline", logger: h.logger });
    expect(await offline.check(BREACHED)).toEqual({ breached: false, screened: "offline" });
    expect(await offline.check("P@ssw0rd1!")).toEqual({ breached: true, source: "common-list" });
    const off = new PasswordBreachCheck({ mode: "off", logger: h.logger });
    expect(await off.check("password")).toEqual({ breached: false, screened: "off" });
    expect(api.requests).toHaveLength(0);
    expect(() => new PasswordBreachCheck({ mode: "online", logger: h.logger })).toThrow(
      /needs a range API client/,
    );
  });
});
