import { EventCollector, waitFor } from "./kafka-consumer";
import { startMockKafka, type MockKafka } from "./kafka-mock";
import { createMigratedDatabase } from "./test-db";
import { startTestServer, type TestServer } from "./test-server";

export const USER_EVENTS = "user-events";
export const NOTIFICATIONS = "aegis.notification.requested.v1";
export const TOPICS = [USER_EVENTS, NOTIFICATIONS];

/**
 * Everything an events test needs: the mock Kafka cluster, a database of its own (so no other
 * test file's rows reach this cluster), a consumer reading both topics, and gateways whose relays
 * publish there, tuned to react in milliseconds.
 */
export interface KafkaHarness {
  kafka: MockKafka;
  collector: EventCollector;
  databaseUrl: string;
  /** A gateway on this harness's database, relay on (unless KAFKA_BOOTSTRAP_SERVERS is ""). */
  startServer(overrides?: Record<string, string>): Promise<TestServer>;
  /** Waits until the outbox is empty and the consumer has read everything the topics hold. */
  settled(server: TestServer): Promise<void>;
  close(): Promise<void>;
}

export async function startKafkaHarness(): Promise<KafkaHarness> {
  const kafka = await startMockKafka();
  const database = await createMigratedDatabase("events_test");
  const collector = new EventCollector(kafka.brokers);
  const servers: TestServer[] = [];
  try {
    await collector.start(TOPICS);
  } catch (error) {
    await kafka.stop();
    await database.drop();
    throw error;
  }
  return {
    kafka,
    collector,
    databaseUrl: database.url,
    async startServer(overrides = {}) {
      const server = await startTestServer({
        DATABASE_URL: database.url,
        KAFKA_BOOTSTRAP_SERVERS: kafka.brokers,
        KAFKA_IDEMPOTENT_PRODUCER: "false", // kafkajs's idempotent producer fails on the mock
        // Generous: a kafkajs retry after a slow (not lost) request would publish a duplicate.
        KAFKA_REQUEST_TIMEOUT_MS: "5000",
        KAFKA_RELAY_POLL_INTERVAL_MS: "20",
        KAFKA_RELAY_BACKOFF_MS: "50",
        KAFKA_RELAY_MAX_BACKOFF_MS: "500",
        LOG_LEVEL: "info",
        ...overrides,
      });
      servers.push(server);
      return server;
    },
    async settled(server) {
      await waitFor(
        async () => (await server.container.relay.backlog()).pending === 0,
        20_000,
        "the outbox to be published",
      );
      await collector.caughtUp(TOPICS);
    },
    async close() {
      kafka.resume();
      for (const server of servers) await server.stop().catch(() => undefined);
      await collector.stop().catch(() => undefined);
      await kafka.stop();
      await database.drop();
    },
  };
}
