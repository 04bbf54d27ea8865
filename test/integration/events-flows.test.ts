// Each flow publishes exactly its events, as a consumer of the topics receives them from a Kafka
// protocol peer (librdkafka's mock cluster): envelope, key, headers, and nothing secret.
import { randomUUID } from "node:crypto";
import { errorOf } from "../support/graphql-client";
import { login, PASSWORD, registerUser, uniqueEmail, type Session } from "../support/factories";
import type { ReceivedEvent } from "../support/kafka-consumer";
import {
  NOTIFICATIONS,
  startKafkaHarness,
  USER_EVENTS,
  type KafkaHarness,
} from "../support/kafka-harness";
import { op } from "../support/operations";
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
    expect(types(events)).toEqual([
      "user.created",
      "user.logged_in",
      "user.logged_in",
      "user.logged_out",
    ]);
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
    expect(
      harness.collector.received.filter((e) => e.value.data.email === email.toUpperCase()),
    ).toEqual([]);
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
  it("no published event carries a password, a hash or a token", async () => {
    await harness.settled(server);
    const hashes = await server.container.db.user.findMany({ select: { passwordHash: true } });
    for (const { passwordHash } of hashes) secrets.add(passwordHash);
    expect(harness.collector.received.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(10);
    for (const event of harness.collector.received) {
      const text = event.raw + JSON.stringify(event.headers);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/\$2[aby]\$/); // any bcrypt hash
      expect(text).not.toMatch(/"[^"]*(password|token|hash|secret)[^"]*"\s*:/i); // no such field
    }
  });
});
