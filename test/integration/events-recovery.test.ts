// The relay recovers from every broker outage. Each outage (the mock cluster's process paused)
// lasts longer than a publish attempt (KAFKA_REQUEST_TIMEOUT_MS), so connects, metadata requests
// and produce requests all time out on the way; once the broker answers again every waiting row
// reaches the consumer, in each user's order, once per eventId, without a restart.
import { randomUUID } from "node:crypto";
import { waitFor } from "../support/kafka-consumer";
import { startKafkaHarness, TOPICS, USER_EVENTS, type KafkaHarness } from "../support/kafka-harness";
import type { TestServer } from "../support/test-server";

const REQUEST_TIMEOUT_MS = 500;
// The relay gives a publish twice the request timeout plus 1 s (see the container).
const PUBLISH_TIMEOUT_MS = REQUEST_TIMEOUT_MS * 2 + 1000;
const KEYS = 4;

jest.setTimeout(120_000);

let harness: KafkaHarness;
beforeAll(async () => {
  harness = await startKafkaHarness();
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

const settings = { KAFKA_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), KAFKA_RELAY_BATCH_SIZE: "10" };

async function startRelay(): Promise<TestServer> {
  return harness.startServer(settings);
}

async function readiness(server: TestServer): Promise<Record<string, string>> {
  const response = await fetch(`${server.url}/health/readiness`);
  expect(response.status).toBe(200); // Kafka is reported, never a reason to be unready
  return ((await response.json()) as { checks: Record<string, string> }).checks;
}

/** Outbox rows for `keys` users (plain rows: what a registration writes, without its cost). */
async function writeRows(server: TestServer, keys: string[], perKey: number): Promise<void> {
  const data = [];
  for (let i = 0; i < perKey; i++) {
    for (const key of keys) {
      const eventId = randomUUID();
      data.push({
        eventId,
        topic: USER_EVENTS,
        key,
        eventType: "test.sequence",
        payload: {
          eventId,
          eventType: "test.sequence",
          version: "1.0.0",
          occurredAt: new Date().toISOString(),
          aggregateId: key,
          data: { sequence: i },
        },
        headers: { "event-type": "test.sequence", version: "1.0.0", "request-id": "recovery" },
      });
    }
  }
  // One row at a time: ids (the relay's order) follow the order above.
  for (const row of data) await server.container.db.outboxEvent.create({ data: row });
}

/** Every row of these keys arrived, in the outbox's order per key, exactly once per eventId. */
/**
 * The outbox empty and the consumer caught up. Generous waits: after an outage the test's consumer
 * has to rejoin its group too, which takes a while on a busy machine.
 */
async function settle(server: TestServer): Promise<void> {
  await waitFor(
    async () => (await server.container.relay.backlog()).pending === 0,
    60_000,
    "the outbox to be published",
  );
  await harness.collector.caughtUp(TOPICS, 60_000);
}

async function expectDeliveredOnce(server: TestServer, keys: string[]): Promise<void> {
  await settle(server);
  const rows = await server.container.db.outboxEvent.findMany({
    where: { key: { in: keys } },
    orderBy: { id: "asc" },
  });
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((row) => row.publishedAt !== null)).toBe(true);
  for (const key of keys) {
    const received = harness.collector.of(key, USER_EVENTS).map((event) => event.value.eventId);
    expect(received).toEqual(rows.filter((row) => row.key === key).map((row) => row.eventId));
  }
}

const newKeys = () => Array.from({ length: KEYS }, () => randomUUID());

/**
 * Paused until readiness has seen the broker down (a probe timed out) and a whole publish attempt
 * longer still, so the relay fails at least once more after noticing.
 */
async function outage(server: TestServer, during: () => Promise<void> = async () => undefined) {
  harness.kafka.pause();
  try {
    await during();
    await waitFor(async () => (await readiness(server)).kafka === "down", 20_000, "kafka: down");
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_TIMEOUT_MS));
  } finally {
    harness.kafka.resume();
  }
}

it("delivers everything when the broker was down before the gateway started", async () => {
  harness.kafka.pause();
  let started: TestServer | undefined;
  try {
    const server = await startRelay();
    started = server;
    const keys = newKeys();
    await writeRows(server, keys, 3);
    await waitFor(async () => (await readiness(server)).kafka === "down", 20_000, "kafka: down");
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_TIMEOUT_MS));
    harness.kafka.resume();
    await waitFor(async () => (await readiness(server)).kafka === "up", 20_000, "kafka: up");
    // New rows after the outage go out too.
    await writeRows(server, keys, 2);
    await expectDeliveredOnce(server, keys);
  } finally {
    harness.kafka.resume();
    await started?.stop();
  }
});

it("delivers everything after an outage that began once delivery worked", async () => {
  const server = await startRelay();
  try {
    const keys = newKeys();
    await writeRows(server, keys, 2);
    await settle(server);
    expect(await readiness(server)).toMatchObject({ kafka: "up" });
    await outage(server, () => writeRows(server, keys, 3));
    await waitFor(async () => (await readiness(server)).kafka === "up", 20_000, "kafka: up");
    await writeRows(server, keys, 2);
    await expectDeliveredOnce(server, keys);
  } finally {
    await server.stop();
  }
});

it("delivers everything when the outage begins in the middle of a batch", async () => {
  const server = await startRelay();
  try {
    const keys = newKeys();
    await writeRows(server, keys, 2);
    await settle(server);
    const before = harness.collector.received.length;
    // Rows keep coming while the relay works through them in batches of ten; the broker stops
    // once the first of them have arrived, with the rest in flight or waiting.
    const writing = writeRows(server, keys, 25);
    await waitFor(() => harness.collector.received.length >= before + 10, 20_000, "the first batch");
    await outage(server, () => writing);
    await expectDeliveredOnce(server, keys);
  } finally {
    await server.stop();
  }
});

it("two relays share the backlog of an outage without losing or repeating a row", async () => {
  const first = await startRelay();
  const second = await startRelay();
  try {
    const keys = newKeys();
    await writeRows(first, keys, 2);
    await settle(first);
    harness.kafka.pause();
    try {
      await writeRows(first, keys, 10);
      for (const server of [first, second]) {
        await waitFor(async () => (await readiness(server)).kafka === "down", 20_000, "kafka: down");
      }
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_TIMEOUT_MS));
    } finally {
      harness.kafka.resume();
    }
    await writeRows(second, keys, 2);
    await expectDeliveredOnce(first, keys);
    for (const server of [first, second]) {
      await waitFor(async () => (await readiness(server)).kafka === "up", 20_000, "kafka: up");
    }
  } finally {
    await first.stop();
    await second.stop();
  }
});
