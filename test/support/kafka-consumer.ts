import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Consumer } from "kafkajs";

/** One message as a consumer of our topics receives it. */
export interface ReceivedEvent {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  /** The raw value, for asserting that nothing secret is in it. */
  raw: string;
  /** The parsed envelope. */
  value: {
    eventId: string;
    eventType: string;
    version: string;
    occurredAt: string;
    aggregateId: string;
    data: Record<string, any>;
  };
}

/**
 * A real kafkajs consumer (its own consumer group, from the beginning of each topic) that keeps
 * every message it receives: the tests look at what was published, the way other services will.
 */
export class EventCollector {
  readonly received: ReceivedEvent[] = [];
  private readonly kafka: Kafka;
  private consumer?: Consumer;
  /** Offset of the next message to receive, per "topic/partition". */
  private readonly position = new Map<string, number>();

  constructor(brokers: string) {
    this.kafka = new Kafka({
      clientId: "test-collector",
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      requestTimeout: 2000,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  async start(topics: string[]): Promise<void> {
    this.consumer = this.kafka.consumer({
      groupId: `test-collector-${randomUUID()}`,
      sessionTimeout: 30_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    const joined = new Promise<void>((resolve) =>
      this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()),
    );
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const raw = message.value?.toString() ?? "";
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = String(value);
        }
        this.received.push({
          topic,
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          headers,
          raw,
          value: JSON.parse(raw),
        });
        this.position.set(`${topic}/${partition}`, Number(message.offset) + 1);
      },
    });
    await joined;
  }

  /**
   * Waits until this consumer has received everything the topics hold right now (their high
   * watermarks), so a test can assert that something was NOT published.
   */
  async caughtUp(topics: string[], timeoutMs = 20_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const targets: Array<[string, number]> = [];
      for (const topic of topics) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          targets.push([`${topic}/${partition}`, Number(high)]);
        }
      }
      await waitFor(
        () => targets.every(([at, high]) => (this.position.get(at) ?? 0) >= high),
        timeoutMs,
        "the consumer to catch up",
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** The events of one key (user), in the order received on each partition. */
  of(key: string, topic?: string): ReceivedEvent[] {
    return this.received.filter((e) => e.key === key && (topic === undefined || e.topic === topic));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
