import { Partitioners, type Admin, type Kafka, type Producer, type TopicMessages } from "kafkajs";
import type { EventEnvelope } from "./event.model";

/** One outbox row on its way to Kafka. */
export interface OutboxMessage {
  topic: string;
  key: string;
  payload: EventEnvelope;
  headers: Record<string, string>;
}

/** The envelope in its documented field order (the outbox stores it as JSONB, which reorders). */
function serialize(envelope: EventEnvelope): string {
  const { eventId, eventType, version, occurredAt, aggregateId, data } = envelope;
  return JSON.stringify({ eventId, eventType, version, occurredAt, aggregateId, data });
}

/** Groups rows by topic, keeping their order within each topic. */
function byTopic(messages: OutboxMessage[]): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const message of messages) {
    let entry = topics.get(message.topic);
    if (!entry) {
      entry = { topic: message.topic, messages: [] };
      topics.set(message.topic, entry);
    }
    entry.messages.push({
      key: message.key,
      value: serialize(message.payload),
      headers: message.headers,
    });
  }
  return [...topics.values()];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Sends outbox rows to Kafka with acks from every in-sync replica (`acks: -1`). One request in
 * flight at a time, and the relay waits for each batch's acknowledgement before the next, so a
 * retry can never put a later event of a key ahead of an earlier one.
 */
export class KafkaEventPublisher {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerConnected = false;
  private adminConnected = false;

  constructor(
    kafka: Kafka,
    private readonly options: {
      idempotent: boolean;
      timeoutMs: number;
      /** Completes a row into the message consumers receive (one-time link tokens). */
      render?: (message: OutboxMessage) => OutboxMessage;
    },
  ) {
    this.producer = kafka.producer({
      // Java's murmur2 partitioner: consumers in any language agree on a key's partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: options.idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    this.admin = kafka.admin();
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.producerConnected = false;
    });
    this.admin.on(this.admin.events.DISCONNECT, () => {
      this.adminConnected = false;
    });
  }

  /** Throws when the broker cannot be reached in time. */
  async publish(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const rendered = this.options.render ? messages.map(this.options.render) : messages;
    await withTimeout(this.send(rendered), this.options.timeoutMs, "publish");
  }

  /** Whether a broker answers a metadata request in time. */
  async probe(): Promise<boolean> {
    try {
      await withTimeout(this.describe(), this.options.timeoutMs, "broker probe");
      return true;
    } catch {
      return false;
    }
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    this.producerConnected = false;
    this.adminConnected = false;
  }

  private async send(messages: OutboxMessage[]): Promise<void> {
    if (!this.producerConnected) {
      await this.producer.connect();
      this.producerConnected = true;
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: byTopic(messages) });
  }

  private async describe(): Promise<void> {
    if (!this.adminConnected) {
      await this.admin.connect();
      this.adminConnected = true;
    }
    await this.admin.describeCluster();
  }
}
