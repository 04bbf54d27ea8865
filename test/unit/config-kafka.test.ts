// The Kafka variables as an operator writes them.
import { ConfigError, loadConfig } from "../../src/config";

const base = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x" };

it("has the documented defaults, with the relay off", () => {
  const config = loadConfig(base);
  expect(config.kafka).toEqual({
    brokers: undefined,
    clientId: "identity-gateway",
    topics: { userEvents: "user-events", notifications: "aegis.notification.requested.v1" },
    idempotent: false,
    requestTimeoutMs: 10000,
  });
  expect(config.relay).toMatchObject({ batchSize: 100, pollIntervalMs: 1000, retentionMs: 168 * 3600_000 });
});

it("reads a comma-separated broker list; an empty value means unset", () => {
  const brokers = (value: string) => loadConfig({ ...base, KAFKA_BOOTSTRAP_SERVERS: value }).kafka.brokers;
  expect(brokers("kafka-1:9092, kafka-2:9092,")).toEqual(["kafka-1:9092", "kafka-2:9092"]);
  expect(brokers("  ")).toBeUndefined();
});

it("takes true/false for the idempotent flag and refuses anything else", () => {
  expect(loadConfig({ ...base, KAFKA_IDEMPOTENT_PRODUCER: "true" }).kafka.idempotent).toBe(true);
  expect(loadConfig({ ...base, KAFKA_IDEMPOTENT_PRODUCER: "false" }).kafka.idempotent).toBe(false);
  expect(() => loadConfig({ ...base, KAFKA_IDEMPOTENT_PRODUCER: "maybe" })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, KAFKA_RELAY_BATCH_SIZE: "0" })).toThrow(ConfigError);
});
