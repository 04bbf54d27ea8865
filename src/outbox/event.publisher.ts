import net from "node:net";
import tls from "node:tls";
import { Partitioners, type Admin, type ISocketFactory, type Producer, type TopicMessages } from "kafkajs";
import type { KafkaFactory } from "../infra/kafka";
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
 *
 * After any failure (connect, metadata, produce, timeout) the producer and admin client are torn
 * down and the next attempt builds new ones: a kafkajs client that lost its broker mid-request can
 * stay stuck ("Broker not connected") long after the broker is back, and a connect() that timed
 * out must not keep running beside the next one.
 */
export class KafkaEventPublisher {
  private clients?: KafkaClients;

  constructor(
    private readonly kafka: KafkaFactory,
    private readonly options: {
      idempotent: boolean;
      timeoutMs: number;
      /** Completes a row into the message consumers receive (one-time link tokens). */
      render?: (message: OutboxMessage) => OutboxMessage;
    },
  ) {}

  /** Throws when the broker cannot be reached in time. */
  async publish(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const rendered = this.options.render ? messages.map(this.options.render) : messages;
    await this.attempt("publish", (clients) => clients.send(byTopic(rendered)));
  }

  /** Whether a broker answers a metadata request in time. */
  async probe(): Promise<boolean> {
    try {
      await this.attempt("broker probe", (clients) => clients.describe());
      return true;
    } catch {
      return false;
    }
  }

  async disconnect(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    await clients?.close();
  }

  private async attempt(what: string, work: (clients: KafkaClients) => Promise<void>): Promise<void> {
    this.clients ??= new KafkaClients(this.kafka, this.options.idempotent);
    const clients = this.clients;
    try {
      await withTimeout(work(clients), this.options.timeoutMs, what);
    } catch (error) {
      // Drop the clients at once, so the next attempt starts afresh; their teardown goes on in
      // the background (bounded by the timeout) without holding up the relay.
      if (this.clients === clients) this.clients = undefined;
      void clients.abandon();
      throw error;
    }
  }
}

/** kafkajs's own socket factory, keeping every socket it opens. */
function trackingSocketFactory(sockets: Set<net.Socket>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(!net.isIP(host) && { servername: host }), ...ssl }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    return socket;
  };
}

/** One producer and one admin client, connected on first use, closed once and for all. */
class KafkaClients {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly sockets = new Set<net.Socket>();
  private producerConnecting?: Promise<void>;
  private adminConnecting?: Promise<void>;
  private closed = false;

  constructor(factory: KafkaFactory, idempotent: boolean) {
    const kafka = factory(trackingSocketFactory(this.sockets));
    this.producer = kafka.producer({
      // Java's murmur2 partitioner: consumers in any language agree on a key's partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    this.admin = kafka.admin();
  }

  async send(topicMessages: TopicMessages[]): Promise<void> {
    this.producerConnecting ??= this.producer.connect();
    await this.producerConnecting;
    this.assertOpen();
    await this.producer.sendBatch({ acks: -1, topicMessages });
  }

  async describe(): Promise<void> {
    this.adminConnecting ??= this.admin.connect();
    await this.adminConnecting;
    this.assertOpen();
    await this.admin.describeCluster();
  }

  /**
   * Disconnects now (which fails a connect() in progress) and once more after any connect() in
   * progress has settled, so a late connect leaves no socket or retry loop behind.
   */
  async close(): Promise<void> {
    this.closed = true;
    const disconnect = () => Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    await disconnect();
    const pending = [this.producerConnecting, this.adminConnecting].filter((p) => p !== undefined);
    if (pending.length > 0) {
      await Promise.allSettled(pending);
      await disconnect();
    }
  }

  /**
   * After a failure: resets the connections (TCP RST, not FIN) before closing. A broker that is
   * hung rather than gone then drops the requests still unread in its socket instead of appending
   * them when it wakes up, which would duplicate the rows the next attempt publishes again.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    for (const socket of this.sockets) {
      if (socket.destroyed) continue;
      // Only a plain TCP socket can be reset (a TLS socket's handle is not one): close the rest.
      if (socket instanceof tls.TLSSocket) socket.destroy();
      else socket.resetAndDestroy();
    }
    await this.close();
  }

  private assertOpen() {
    if (this.closed) throw new Error("kafka client closed");
  }
}
