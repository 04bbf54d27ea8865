// When publishing fails. The broker goes away (the mock cluster's process is paused): users keep
// registering, events pile up in the outbox, readiness reports Kafka down but stays ready, and
// when the broker is back every waiting event arrives, in each user's order. And a row that keeps
// failing is retried, never skipped, and holds back only its own user's later events.
import { randomUUID } from "node:crypto";
import { op } from "../support/operations";
import { registerUser, login, type Session } from "../support/factories";
import { waitFor } from "../support/kafka-consumer";
import { NOTIFICATIONS, startKafkaHarness, USER_EVENTS, type KafkaHarness } from "../support/kafka-harness";
import type { TestServer } from "../support/test-server";

let harness: KafkaHarness;
let server: TestServer;
beforeAll(async () => {
  harness = await startKafkaHarness();
  server = await harness.startServer({
    KAFKA_RELAY_HOUSEKEEPING_SECONDS: "1",
    // Notice the outage quickly; duplicates are allowed here (at least once).
    KAFKA_REQUEST_TIMEOUT_MS: "1000",
  });
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

async function readiness(): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/health/readiness`);
  return { status: response.status, body: await response.json() };
}

/** A user's event ids on a topic as delivered, each counted at its first arrival. */
function firstArrivals(userId: string, topic: string): string[] {
  return [...new Set(harness.collector.of(userId, topic).map((e) => e.value.eventId))];
}

it("keeps serving while the broker is down and delivers every waiting event once it is back", async () => {
  await registerUser(server.client);
  await harness.settled(server);
  expect(await readiness()).toMatchObject({ status: 200, body: { checks: { kafka: "up" } } });

  harness.kafka.pause();
  const users: Session[] = [];
  for (let i = 0; i < 8; i++) {
    const session = await registerUser(server.client);
    await login(server.client, session.user.email);
    users.push(session);
  }

  // Readiness tells operators, without taking the gateway out of service.
  await waitFor(async () => (await readiness()).body.checks.kafka === "down", 15_000, "kafka down");
  expect(await readiness()).toMatchObject({
    status: 200,
    body: { status: "ready", checks: { database: "up", redis: "up", kafka: "down" } },
  });
  const backlog = await server.container.relay.backlog();
  expect(backlog.pending).toBe(8 * 3); // user.created, notification.welcome, user.logged_in
  await waitFor(
    () => server.logs.some((line) => line.msg === "outbox backlog" && line.pending === 24),
    10_000,
    "the backlog log line",
  );

  harness.kafka.resume();
  await harness.settled(server);
  await waitFor(async () => (await readiness()).body.checks.kafka === "up", 15_000, "kafka up");

  const rows = await server.container.db.outboxEvent.findMany({ orderBy: { id: "asc" } });
  for (const { user } of users) {
    const ofUser = (topic: string) =>
      rows.filter((row) => row.key === user.id && row.topic === topic).map((row) => row.eventId);
    // At least once: a request the paused broker had already read may land twice, but the first
    // arrival of every event is there, in the order of the outbox.
    expect(firstArrivals(user.id, USER_EVENTS)).toEqual(ofUser(USER_EVENTS));
    expect(ofUser(USER_EVENTS)).toHaveLength(2);
    expect(firstArrivals(user.id, NOTIFICATIONS)).toEqual(ofUser(NOTIFICATIONS));
    expect(ofUser(NOTIFICATIONS)).toHaveLength(1);
  }
  expect(await server.container.relay.backlog()).toEqual({ pending: 0, oldestAgeSeconds: 0 });
});

it("retries a row that keeps failing, without skipping it, and holds back only that user's later events", async () => {
  const stuck = await registerUser(server.client);
  await harness.settled(server);
  const { db } = server.container;
  // A row no broker accepts (an empty topic name), then an ordinary change of the same user.
  const poisonId = randomUUID();
  await db.outboxEvent.create({
    data: {
      eventId: poisonId,
      topic: "",
      key: stuck.user.id,
      eventType: "test.poison",
      payload: {
        eventId: poisonId,
        eventType: "test.poison",
        version: "1.0.0",
        occurredAt: new Date().toISOString(),
        aggregateId: stuck.user.id,
        data: {},
      },
      headers: { "event-type": "test.poison", version: "1.0.0", "request-id": "poison" },
    },
  });
  const update = await server.client.request(
    op("UpdateProfile"),
    { input: { name: "Held Back" } },
    { token: stuck.accessToken },
  );
  expect(update.errors).toBeUndefined();

  // Everyone else's events keep flowing meanwhile.
  const other = await registerUser(server.client);
  await waitFor(() => harness.collector.of(other.user.id).length === 2, 10_000, "the other user's events");
  // The row is tried again and again, with its error recorded; its user's later event waits.
  await waitFor(
    async () => ((await db.outboxEvent.findUnique({ where: { eventId: poisonId } }))?.attempts ?? 0) >= 3,
    10_000,
    "retries",
  );
  const poison = await db.outboxEvent.findUnique({ where: { eventId: poisonId } });
  expect(poison).toMatchObject({
    publishedAt: null,
    lastError: expect.stringContaining("Invalid topic"),
  });
  await harness.collector.caughtUp([USER_EVENTS, NOTIFICATIONS]);
  expect(harness.collector.of(stuck.user.id, USER_EVENTS).map((e) => e.value.eventType)).toEqual([
    "user.created",
  ]);

  // Once the row can be published, it goes first and the held-back event follows.
  await db.outboxEvent.update({ where: { eventId: poisonId }, data: { topic: USER_EVENTS } });
  await harness.settled(server);
  expect(harness.collector.of(stuck.user.id, USER_EVENTS).map((e) => e.value.eventType)).toEqual([
    "user.created",
    "test.poison",
    "user.updated",
  ]);
});
