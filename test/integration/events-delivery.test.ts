// Delivery guarantees of the outbox relay, observed from a Kafka consumer: per-user order across
// interleaved users, two relays at once without double publishing, commit order between
// overlapping transactions of one user, and the clean-up of published rows.
import { envelope } from "../../src/outbox/event.model";
import { login, registerUser, type Session } from "../support/factories";
import { waitFor, type ReceivedEvent } from "../support/kafka-consumer";
import { NOTIFICATIONS, startKafkaHarness, USER_EVENTS, type KafkaHarness } from "../support/kafka-harness";
import { op } from "../support/operations";
import type { TestServer } from "../support/test-server";

let harness: KafkaHarness;
let relayA: TestServer;
let relayB: TestServer;
beforeAll(async () => {
  harness = await startKafkaHarness();
  // Two gateways on one database, both relaying, with small batches so they meet often.
  const tuning = {
    KAFKA_RELAY_BATCH_SIZE: "5",
    KAFKA_RELAY_HOUSEKEEPING_SECONDS: "1",
    KAFKA_OUTBOX_RETENTION_HOURS: "1",
    LOG_LEVEL: "debug",
  };
  relayA = await harness.startServer(tuning);
  relayB = await harness.startServer(tuning);
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

const eventIds = (events: ReceivedEvent[]) => events.map((e) => e.value.eventId);
const types = (events: ReceivedEvent[]) => events.map((e) => e.value.eventType);

/** The event ids of a user on a topic, in the order the outbox committed them. */
async function committedOrder(userId: string, topic = USER_EVENTS): Promise<string[]> {
  const rows = await relayA.container.db.outboxEvent.findMany({
    where: { key: userId, topic },
    orderBy: { id: "asc" },
    select: { eventId: true },
  });
  return rows.map((row) => row.eventId);
}

async function journey(server: TestServer, index: number): Promise<Session> {
  const session = await registerUser(server.client, { name: `User ${index}` });
  const again = await login(server.client, session.user.email);
  for (const name of [`First ${index}`, `Second ${index}`]) {
    const update = await server.client.request(
      op("UpdateProfile"),
      { input: { name } },
      { token: session.accessToken },
    );
    expect(update.errors).toBeUndefined();
  }
  const logout = await server.client.request(op("Logout"), {}, { token: again.accessToken });
  expect(logout.errors).toBeUndefined();
  return session;
}

it("keeps each user's order across many interleaved users, with two relays running", async () => {
  const users = await Promise.all(
    Array.from({ length: 12 }, (_, i) => journey(i % 2 === 0 ? relayA : relayB, i)),
  );
  await harness.settled(relayA);

  for (const [index, { user }] of users.entries()) {
    const events = harness.collector.of(user.id, USER_EVENTS);
    expect(types(events)).toEqual([
      "user.created",
      "user.logged_in",
      "user.updated",
      "user.updated",
      "user.logged_out",
    ]);
    expect(events.map((e) => e.value.data.name).slice(2, 4)).toEqual([`First ${index}`, `Second ${index}`]);
    // One user's events share a partition, in the order they were committed.
    expect(new Set(events.map((e) => e.partition)).size).toBe(1);
    expect(eventIds(events)).toEqual(await committedOrder(user.id));
    expect(types(harness.collector.of(user.id, NOTIFICATIONS))).toEqual(["notification.welcome"]);
  }
});

it("publishes each row once while two relays run at once", async () => {
  const before = harness.collector.received.length;
  const rowsBefore = await relayA.container.db.outboxEvent.count();
  await Promise.all(Array.from({ length: 30 }, (_, i) => registerUser((i % 2 ? relayA : relayB).client)));
  await harness.settled(relayA);

  const received = harness.collector.received.slice(before);
  const ids = eventIds(received);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toHaveLength(30 * 2); // user.created and notification.welcome of each
  expect(await relayA.container.db.outboxEvent.count()).toBe(rowsBefore + 60);
  // Both relays took part, or this would prove nothing about running two.
  const published = (server: TestServer) =>
    server.logs.filter((line) => line.msg === "kafka relay: published").length;
  expect(published(relayA)).toBeGreaterThan(0);
  expect(published(relayB)).toBeGreaterThan(0);
});

it("publishes one user's events in commit order when their transactions overlap", async () => {
  const session = await registerUser(relayA.client);
  await harness.settled(relayA);
  const { db, outbox } = relayA.container;

  // A transaction that has written an event of this user and has not committed yet…
  let commit!: () => void;
  const release = new Promise<void>((resolve) => (commit = resolve));
  let written!: () => void;
  const heldWritten = new Promise<void>((resolve) => (written = resolve));
  const held = db.$transaction(
    async (tx) => {
      await outbox.add(tx, { requestId: "held-transaction" }, envelope("test.held", session.user.id, {}));
      written();
      await release;
    },
    { timeout: 20_000 },
  );
  await heldWritten;

  // …while a request changes the same user. It must wait for the first to commit: otherwise its
  // later row would be visible (and published) while the earlier one is not.
  const update = relayA.client.request(
    op("UpdateProfile"),
    { input: { name: "After Held" } },
    { token: session.accessToken },
  );
  let updateDone = false;
  void update.then(() => (updateDone = true));
  const waitingForLock = async () => {
    const [row] = await db.$queryRaw<Array<{ waiting: number }>>`
      SELECT count(*)::int AS waiting FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    return row!.waiting > 0;
  };
  await waitFor(async () => updateDone || (await waitingForLock()), 10_000, "the update to block or finish");
  if (updateDone) {
    // No writer lock: give the relay every chance to publish the later row first.
    await waitFor(async () => (await relayA.container.relay.backlog()).pending === 0, 10_000, "publish");
  }
  commit();
  await held;
  expect((await update).errors).toBeUndefined();
  await harness.settled(relayA);

  const events = harness.collector.of(session.user.id, USER_EVENTS);
  expect(types(events)).toEqual(["user.created", "test.held", "user.updated"]);
  expect(eventIds(events)).toEqual(await committedOrder(session.user.id));
});

it("deletes published rows once they are older than the retention, and keeps the others", async () => {
  const old = await registerUser(relayA.client);
  const recent = await registerUser(relayA.client);
  await harness.settled(relayA);
  const { db } = relayA.container;
  await db.outboxEvent.updateMany({
    where: { key: old.user.id },
    data: { publishedAt: new Date(Date.now() - 2 * 3600 * 1000) },
  });

  await waitFor(
    async () => (await db.outboxEvent.count({ where: { key: old.user.id } })) === 0,
    10_000,
    "clean-up",
  );
  expect(await db.outboxEvent.count({ where: { key: recent.user.id } })).toBe(2);
  // The relays log the backlog as they clean up.
  expect(relayA.logs.some((line) => line.msg === "outbox backlog" && line.pending === 0)).toBe(true);
});
