// Each flow publishes exactly its events, as a consumer of the topics receives them from a Kafka
// protocol peer (librdkafka's mock cluster): envelope, key, headers, and nothing secret.
import { randomUUID } from "node:crypto";
import { errorOf } from "../support/graphql-client";
import { createAdmin, login, PASSWORD, registerUser, uniqueEmail, type Session } from "../support/factories";
import type { ReceivedEvent } from "../support/kafka-consumer";
import { NOTIFICATIONS, startKafkaHarness, USER_EVENTS, type KafkaHarness } from "../support/kafka-harness";
import { op } from "../support/operations";
import { RESET_EVENT, VERIFICATION_EVENT } from "../support/recovery";
import type { TestServer } from "../support/test-server";

let harness: KafkaHarness;
let server: TestServer;
beforeAll(async () => {
  harness = await startKafkaHarness();
  server = await harness.startServer({
    MAX_SESSIONS_PER_USER: "2",
    REFRESH_TOKEN_REUSE_GRACE_SECONDS: "0",
  });
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** Secrets seen in this file's flows: none may appear in any event. */
const secrets = new Set<string>();
function remember(session: Session & { password?: string }) {
  for (const secret of [session.accessToken, session.refreshToken, session.password]) {
    if (secret) secrets.add(secret);
  }
}
/** One-time tokens of verification and reset links: each may appear in its own notification only. */
const oneTimeTokens = new Map<string, string>(); // token -> eventId of the notification carrying it
const requestId = () => `req-${randomUUID()}`;
const withId = (id: string) => ({ headers: { "x-request-id": id } });

/** One user's events on one topic, in partition order, once everything has been published. */
async function published(userId: string, topic = USER_EVENTS): Promise<ReceivedEvent[]> {
  await harness.settled(server);
  return harness.collector.of(userId, topic);
}
const types = (events: ReceivedEvent[]) => events.map((e) => e.value.eventType);

function expectEnvelope(event: ReceivedEvent, userId: string, eventType: string, request?: string) {
  expect(event.key).toBe(userId);
  expect(event.value).toEqual({
    eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    eventType,
    version: "1.0.0",
    occurredAt: expect.any(String),
    aggregateId: userId,
    data: expect.any(Object),
  });
  expect(new Date(event.value.occurredAt).toISOString()).toBe(event.value.occurredAt);
  // The documented field order, whatever the database did to the JSON.
  expect(Object.keys(JSON.parse(event.raw))).toEqual([
    "eventId",
    "eventType",
    "version",
    "occurredAt",
    "aggregateId",
    "data",
  ]);
  expect(event.headers).toEqual({
    "event-type": eventType,
    version: "1.0.0",
    "request-id": request ?? expect.any(String),
  });
}

describe("events of each flow", () => {
  it("register: user.created, and a welcome notification on the notifications topic", async () => {
    const id = requestId();
    const session = await registerUser(server.client, { name: "Ada Lovelace" }, withId(id).headers);
    remember(session);
    const userId = session.user.id;

    const [created, ...more] = await published(userId);
    expect(more).toEqual([]);
    expectEnvelope(created!, userId, "user.created", id);
    expect(created!.value.data).toEqual({
      id: userId,
      email: session.user.email,
      name: "Ada Lovelace",
      role: "USER",
      createdAt: expect.any(String),
    });

    const notifications = harness.collector.of(userId, NOTIFICATIONS);
    expect(types(notifications)).toEqual(["notification.welcome"]);
    expectEnvelope(notifications[0]!, userId, "notification.welcome", id);
    expect(notifications[0]!.value.data).toEqual({
      userId,
      email: session.user.email,
      name: "Ada Lovelace",
      template: "welcome",
    });
  });

  it("login: user.logged_in with the session", async () => {
    const session = await registerUser(server.client);
    const id = requestId();
    const again = await login(server.client, session.user.email, PASSWORD, withId(id).headers);
    remember(session);
    remember(again);

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.logged_in"]);
    expectEnvelope(events[1]!, session.user.id, "user.logged_in", id);
    expect(events[1]!.value.data).toEqual({
      id: session.user.id,
      sessionId: expect.any(String),
      ipAddress: expect.any(String),
      loggedInAt: expect.any(String),
    });
  });

  it("logout: user.logged_out with reason LOGOUT", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const id = requestId();
    const response = await server.client.request(
      op("Logout"),
      {},
      { token: session.accessToken, ...withId(id) },
    );
    expect(response.data?.logout).toBe(true);

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.logged_out"]);
    expectEnvelope(events[1]!, session.user.id, "user.logged_out", id);
    expect(events[1]!.value.data).toEqual({
      id: session.user.id,
      sessionIds: [expect.any(String)],
      reason: "LOGOUT",
    });
  });

  it("updateProfile: user.updated naming the changed fields; an update that changes nothing emits nothing", async () => {
    const session = await registerUser(server.client, { region: "Busan" });
    remember(session);
    const update = (input: Record<string, unknown>) =>
      server.client.request(op("UpdateProfile"), { input }, { token: session.accessToken });
    expect((await update({ name: "Grace Hopper", region: null })).errors).toBeUndefined();
    expect((await update({ name: "Grace Hopper" })).errors).toBeUndefined();

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.updated"]);
    expectEnvelope(events[1]!, session.user.id, "user.updated");
    expect(events[1]!.value.data).toEqual({
      id: session.user.id,
      email: session.user.email,
      name: "Grace Hopper",
      updatedFields: expect.arrayContaining(["name", "region"]),
    });
    expect(events[1]!.value.data.updatedFields).toHaveLength(2);
  });

  it("changePassword: user.password_changed, then user.logged_out for the other sessions", async () => {
    const session = await registerUser(server.client);
    const other = await login(server.client, session.user.email);
    remember(session);
    remember(other);
    const newPassword = "N3w!Password-events";
    secrets.add(newPassword);
    const response = await server.client.request(
      op("ChangePassword"),
      { input: { currentPassword: PASSWORD, newPassword } },
      { token: session.accessToken },
    );
    expect(response.data?.changePassword).toBe(true);

    const events = await published(session.user.id);
    expect(types(events)).toEqual([
      "user.created",
      "user.logged_in",
      "user.password_changed",
      "user.logged_out",
    ]);
    expect(events[2]!.value.data).toEqual({ id: session.user.id, via: "change" });
    expect(events[3]!.value.data).toEqual({
      id: session.user.id,
      sessionIds: [expect.any(String)],
      reason: "PASSWORD_CHANGED",
    });
    // The same request caused both.
    expect(events[2]!.headers["request-id"]).toBe(events[3]!.headers["request-id"]);
  });

  it("a login beyond the session limit: user.logged_in, and user.logged_out with reason SESSION_LIMIT", async () => {
    const session = await registerUser(server.client); // session 1 of at most 2
    remember(session);
    remember(await login(server.client, session.user.email)); // 2
    remember(await login(server.client, session.user.email)); // 3: evicts the oldest

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.logged_in", "user.logged_in", "user.logged_out"]);
    expect(events[3]!.value.data).toEqual({
      id: session.user.id,
      sessionIds: [expect.any(String)],
      reason: "SESSION_LIMIT",
    });
    // The eviction and the login that caused it come from one request.
    expect(events[2]!.headers["request-id"]).toBe(events[3]!.headers["request-id"]);
  });

  it("a reused refresh token: user.logged_out with reason REFRESH_TOKEN_REUSE", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const rotated = await server.client.request(op("RefreshToken"), {
      refreshToken: session.refreshToken,
    });
    remember(rotated.data!.refreshToken);
    const reuse = await server.client.request(op("RefreshToken"), {
      refreshToken: session.refreshToken,
    });
    expect(errorOf(reuse).code).toBe("TOKEN_INVALID");

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.logged_out"]);
    expect(events[1]!.value.data).toMatchObject({ reason: "REFRESH_TOKEN_REUSE" });
  });
});

describe("events of account recovery and erasure", () => {
  /** Checks a one-time-link notification and remembers its token; returns the token. */
  function expectLinkNotification(event: ReceivedEvent, session: Session, eventType: string, path: string) {
    expectEnvelope(event, session.user.id, eventType);
    const { token } = event.value.data;
    expect(event.value.data).toEqual({
      userId: session.user.id,
      email: session.user.email,
      name: "Test User",
      template: eventType.replace("notification.", ""),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
      link: `http://localhost:3000/${path}?token=${token}`,
    });
    oneTimeTokens.set(token, event.value.eventId);
    return token as string;
  }

  it("requestEmailVerification: a verification request on the notifications topic; verifyEmail: user.updated", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const id = requestId();
    await server.client.request(
      op("RequestEmailVerification"),
      {},
      { token: session.accessToken, ...withId(id) },
    );

    const notifications = (await published(session.user.id, NOTIFICATIONS)).filter(
      (e) => e.value.eventType === VERIFICATION_EVENT,
    );
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.headers["request-id"]).toBe(id);
    const token = expectLinkNotification(notifications[0]!, session, VERIFICATION_EVENT, "verify-email");

    expect((await server.client.request(op("VerifyEmail"), { token })).errors).toBeUndefined();
    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.updated"]);
    expect(events[1]!.value.data).toEqual({
      id: session.user.id,
      email: session.user.email,
      name: "Test User",
      updatedFields: ["isVerified"],
    });
  });

  it("requestPasswordReset: a reset request; resetPassword: user.password_changed via reset, then user.logged_out", async () => {
    const session = await registerUser(server.client);
    remember(session);
    await server.client.request(op("RequestPasswordReset"), { email: session.user.email });
    await server.container.background.idle();
    const notifications = (await published(session.user.id, NOTIFICATIONS)).filter(
      (e) => e.value.eventType === RESET_EVENT,
    );
    expect(notifications).toHaveLength(1);
    const token = expectLinkNotification(notifications[0]!, session, RESET_EVENT, "reset-password");

    const newPassword = "N3w!Password-reset";
    secrets.add(newPassword);
    const id = requestId();
    const reset = await server.client.request(op("ResetPassword"), { token, newPassword }, withId(id));
    expect(reset.data).toEqual({ resetPassword: true });

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.password_changed", "user.logged_out"]);
    expectEnvelope(events[1]!, session.user.id, "user.password_changed", id);
    expect(events[1]!.value.data).toEqual({ id: session.user.id, via: "reset" });
    expect(events[2]!.value.data).toEqual({
      id: session.user.id,
      sessionIds: [expect.any(String)],
      reason: "PASSWORD_RESET",
    });
    expect(events[2]!.headers["request-id"]).toBe(id);
  });

  it("deleteMyAccount: user.deleted, then user.logged_out with reason ACCOUNT_DELETED", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const id = requestId();
    const response = await server.client.request(
      op("DeleteMyAccount"),
      { password: PASSWORD },
      { token: session.accessToken, ...withId(id) },
    );
    expect(response.data).toEqual({ deleteMyAccount: true });

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.deleted", "user.logged_out"]);
    expectEnvelope(events[1]!, session.user.id, "user.deleted", id);
    expect(events[1]!.value.data).toEqual({ id: session.user.id, deletedAt: expect.any(String) });
    expect(events[2]!.value.data).toMatchObject({ reason: "ACCOUNT_DELETED" });
  });
});

describe("events of admin operations", () => {
  let admin: Session & { password: string };
  beforeAll(async () => {
    admin = await createAdmin(server);
    remember(admin);
  });
  const asAdmin = (name: string, variables: Record<string, unknown>, id = requestId()) =>
    server.client.request(op(name), variables, { token: admin.accessToken, ...withId(id) });

  it("adminCreateUser: user.created", async () => {
    const email = uniqueEmail("made");
    const id = requestId();
    const response = await asAdmin(
      "AdminCreateUser",
      { input: { email, password: PASSWORD, name: "Made By Admin", role: "MODERATOR" } },
      id,
    );
    const userId = response.data!.adminCreateUser.id;
    const events = await published(userId);
    expect(types(events)).toEqual(["user.created"]);
    expectEnvelope(events[0]!, userId, "user.created", id);
    expect(events[0]!.value.data).toEqual({
      id: userId,
      email,
      name: "Made By Admin",
      role: "MODERATOR",
      createdAt: expect.any(String),
    });
  });

  it("setUserRole: user.role_changed with the acting admin, then user.logged_out with reason ROLE_CHANGED", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const id = requestId();
    await asAdmin("SetUserRole", { userId: session.user.id, role: "MODERATOR" }, id);

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.role_changed", "user.logged_out"]);
    expectEnvelope(events[1]!, session.user.id, "user.role_changed", id);
    expect(events[1]!.value.data).toEqual({
      id: session.user.id,
      oldRole: "USER",
      newRole: "MODERATOR",
      actorId: admin.user.id,
    });
    expect(events[2]!.value.data).toMatchObject({ reason: "ROLE_CHANGED" });
  });

  it("setUserActive: user.updated naming isActive (and user.logged_out when disabling)", async () => {
    const session = await registerUser(server.client);
    remember(session);
    await asAdmin("SetUserActive", { userId: session.user.id, active: false });
    await asAdmin("SetUserActive", { userId: session.user.id, active: true });

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.updated", "user.logged_out", "user.updated"]);
    for (const event of [events[1]!, events[3]!]) {
      expect(event.value.data).toEqual({
        id: session.user.id,
        email: session.user.email,
        name: "Test User",
        updatedFields: ["isActive"],
      });
    }
    expect(events[2]!.value.data).toMatchObject({ reason: "ACCOUNT_DISABLED" });
  });

  it("deleteUser: user.deleted, then user.logged_out with reason ACCOUNT_DELETED", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const id = requestId();
    expect((await asAdmin("DeleteUser", { userId: session.user.id }, id)).data).toEqual({ deleteUser: true });

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created", "user.deleted", "user.logged_out"]);
    expectEnvelope(events[1]!, session.user.id, "user.deleted", id);
    expect(events[1]!.value.data).toEqual({ id: session.user.id, deletedAt: expect.any(String) });
    expect(events[2]!.value.data).toMatchObject({ reason: "ACCOUNT_DELETED" });
  });
});

describe("changes that do not happen", () => {
  it("refused requests emit nothing", async () => {
    const session = await registerUser(server.client);
    remember(session);
    const { email } = session.user;
    const token = session.accessToken;
    const refused = [
      await server.client.request(op("Login"), { input: { email, password: "Wr0ng!password" } }),
      await server.client.request(op("Register"), {
        input: { email: email.toUpperCase(), password: PASSWORD, name: "Twin" },
      }),
      await server.client.request(
        op("ChangePassword"),
        { input: { currentPassword: "Wr0ng!password", newPassword: "N3w!Password" } },
        { token },
      ),
      await server.client.request(
        op("ChangePassword"),
        { input: { currentPassword: PASSWORD, newPassword: "weak" } },
        { token },
      ),
      await server.client.request(op("UpdateProfile"), { input: { name: "X" } }, { token }),
    ];
    for (const response of refused) expect(response.errors).toBeDefined();

    const events = await published(session.user.id);
    expect(types(events)).toEqual(["user.created"]);
    expect(harness.collector.received.filter((e) => e.value.data.email === email.toUpperCase())).toEqual([]);
  });

  it("a change rolled back at commit leaves neither an outbox row nor an event", async () => {
    // A deferred constraint trigger fails the commit itself, after the outbox rows were written
    // in the same transaction: the strongest case of "the change did not happen".
    await server.container.db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION fail_commit_for_test() RETURNS trigger AS $$
      BEGIN
        IF NEW."name" = 'Rollback Me' THEN RAISE EXCEPTION 'commit refused by test'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await server.container.db.$executeRawUnsafe(`
      CREATE CONSTRAINT TRIGGER fail_commit_for_test AFTER INSERT OR UPDATE ON "User"
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_commit_for_test()`);
    try {
      const email = uniqueEmail("rollback");
      const register = await server.client.request(op("Register"), {
        input: { email, password: PASSWORD, name: "Rollback Me" },
      });
      expect(errorOf(register).code).toBe("INTERNAL_SERVER_ERROR");

      const session = await registerUser(server.client);
      remember(session);
      const update = await server.client.request(
        op("UpdateProfile"),
        { input: { name: "Rollback Me" } },
        { token: session.accessToken },
      );
      expect(errorOf(update).code).toBe("INTERNAL_SERVER_ERROR");

      const events = await published(session.user.id);
      expect(types(events)).toEqual(["user.created"]);
      expect(harness.collector.received.filter((e) => e.value.data.email === email)).toEqual([]);
      const rows = await server.container.db.outboxEvent.findMany({
        where: {
          OR: [{ key: session.user.id }, { payload: { path: ["data", "email"], equals: email } }],
        },
        orderBy: { id: "asc" },
      });
      expect(rows.map((row) => row.eventType)).toEqual(["user.created", "notification.welcome"]);
    } finally {
      await server.container.db.$executeRawUnsafe(`DROP TRIGGER fail_commit_for_test ON "User"`);
      await server.container.db.$executeRawUnsafe(`DROP FUNCTION fail_commit_for_test()`);
    }
  });
});

describe("nothing secret", () => {
  it("no published event carries a password, a hash or a token (but the one-time token its link needs)", async () => {
    await harness.settled(server);
    const hashes = await server.container.db.user.findMany({ select: { passwordHash: true } });
    for (const { passwordHash } of hashes) secrets.add(passwordHash);
    expect(harness.collector.received.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(10);
    expect(oneTimeTokens.size).toBe(2);
    for (const event of harness.collector.received) {
      let text = event.raw + JSON.stringify(event.headers);
      const carried = event.value.data.token as string | undefined;
      if (carried !== undefined) {
        // Only verification and reset requests carry a token: their own, in `token` and `link`.
        expect([VERIFICATION_EVENT, RESET_EVENT]).toContain(event.value.eventType);
        expect(oneTimeTokens.get(carried)).toBe(event.value.eventId);
        text = text.split(carried).join("<one-time token>").replace('"token":', '"oneTimeLink":');
      }
      for (const token of oneTimeTokens.keys()) expect(text).not.toContain(token);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/\$2[aby]\$/); // any bcrypt hash
      expect(text).not.toMatch(/"[^"]*(password|token|hash|secret)[^"]*"\s*:/i); // no such field
    }
  });
});
