import type { Logger } from "../infra/logger";
import type { KafkaEventPublisher } from "./event.publisher";
import type { Backlog, OutboxRepository, PendingEvent } from "./outbox.repository";

export interface RelayOptions {
  batchSize: number;
  pollIntervalMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  housekeepingMs: number;
  retentionMs: number;
  /** Longest a publish may take before it counts as failed. */
  publishTimeoutMs: number;
}

/** The broker as the relay last saw it; `disabled` when no bootstrap servers are configured. */
export type BrokerState = "disabled" | "connecting" | "up" | "down";

/**
 * Of each key's rows (in id order), the ones that may go out together: the run that shares the
 * first row's topic. A row on another topic waits until everything before it is acknowledged,
 * since one batch to two topics may land on one and fail on the other.
 */
export function publishableRows(rows: PendingEvent[]): PendingEvent[] {
  const topicOfKey = new Map<string, string>();
  const stopped = new Set<string>();
  return rows.filter((row) => {
    if (stopped.has(row.key)) return false;
    const topic = topicOfKey.get(row.key);
    if (topic === undefined) topicOfKey.set(row.key, row.topic);
    else if (topic !== row.topic) {
      stopped.add(row.key);
      return false;
    }
    return true;
  });
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Publishes the outbox to Kafka from inside the gateway process. Several processes may run it at
 * once: each batch is claimed with row locks, so no row is published by two relays concurrently.
 * Delivery is at least once (a crash between the broker's ack and the commit sends a row again);
 * consumers drop duplicates by `eventId`.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private state: BrokerState;
  private lastContact = 0;
  private consecutiveFailures = 0;
  /** Set when a probe failed: the broker itself was unreachable, not just one publish. */
  private unreachable = false;
  /** Set after a failed publish: probe before the next batch (the broker, or only those rows?). */
  private verifyBroker = false;
  private nextHousekeeping = 0;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: KafkaEventPublisher | undefined,
    private readonly options: RelayOptions,
    private readonly logger: Logger,
  ) {
    this.state = publisher ? "connecting" : "disabled";
  }

  get name() {
    return "outbox relay";
  }

  start(): void {
    if (!this.publisher) {
      this.logger.warn(
        "kafka relay off: KAFKA_BOOTSTRAP_SERVERS is not set; events stay in the outbox until a relay runs",
      );
      return;
    }
    if (this.running) return;
    this.logger.info(
      { batchSize: this.options.batchSize, pollIntervalMs: this.options.pollIntervalMs },
      "kafka relay started",
    );
    this.running = true;
    this.loop = this.run(this.publisher);
  }

  /** Finishes the batch in hand (bounded by the publish timeout), then disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.publisher?.disconnect();
    this.logger.info("kafka relay stopped");
  }

  brokerState(): BrokerState {
    return this.state;
  }

  /** Pending rows and the age of the oldest: for the periodic log line and for metrics. */
  backlog(): Promise<Backlog> {
    return this.outbox.backlog();
  }

  private async run(publisher: KafkaEventPublisher): Promise<void> {
    while (this.running) {
      if (Date.now() >= this.nextHousekeeping) await this.housekeeping();
      let wait = this.options.pollIntervalMs;
      try {
        if ((this.state !== "up" || this.verifyBroker) && !(await this.reachBroker(publisher))) {
          wait = this.relayBackoff();
        } else if (await this.relayBatch(publisher)) {
          wait = 0;
        } else if (Date.now() - this.lastContact > 10 * this.options.pollIntervalMs) {
          // Idle: look at the broker now and then, so readiness notices an outage between events.
          await this.reachBroker(publisher);
        }
      } catch (error) {
        // The database, most likely; the rows stay where they are.
        this.logger.error({ err: error }, "kafka relay cycle failed");
        this.consecutiveFailures += 1;
        wait = this.relayBackoff();
      }
      if (wait > 0) await this.sleep(wait);
    }
  }

  /** Publishes one batch; true when there was anything to publish (so the next runs at once). */
  private async relayBatch(publisher: KafkaEventPublisher): Promise<boolean> {
    const outcome = await this.outbox.claimBatch(
      this.options.batchSize,
      this.options.publishTimeoutMs + 5000,
      async (batch) => {
        const rows = publishableRows(batch.rows);
        try {
          await publisher.publish(rows);
        } catch (error) {
          await batch.failed(rows, describe(error), {
            baseMs: this.options.backoffMs,
            maxMs: this.options.maxBackoffMs,
          });
          return { rows, error };
        }
        await batch.published(rows);
        return { rows, error: undefined };
      },
    );
    if (!outcome) return false;
    if (outcome.error !== undefined) {
      this.logger.warn(
        {
          err: outcome.error,
          rows: outcome.rows.length,
          attempts: Math.max(...outcome.rows.map((r) => r.attempts + 1)),
        },
        "kafka relay: publish failed; the rows will be retried",
      );
      this.verifyBroker = true;
      return false;
    }
    this.markUp();
    this.logger.debug({ published: outcome.rows.length }, "kafka relay: published");
    return true;
  }

  private async reachBroker(publisher: KafkaEventPublisher): Promise<boolean> {
    this.verifyBroker = false;
    if (await publisher.probe()) {
      this.markUp();
      if (this.unreachable) {
        // Rows that failed during the outage need not wait out their backoff any longer. (A row
        // that failed while the broker answered probes keeps its backoff: the row is the problem.)
        this.unreachable = false;
        const due = await this.outbox.clearBackoff();
        this.logger.info({ retrying: due }, "kafka relay: broker reachable again");
      }
      return true;
    }
    if (!this.unreachable) {
      this.logger.warn("kafka relay: broker unreachable; events wait in the outbox");
    }
    this.unreachable = true;
    this.markDown();
    return false;
  }

  private markUp() {
    this.state = "up";
    this.lastContact = Date.now();
    this.consecutiveFailures = 0;
  }

  private markDown() {
    this.state = "down";
    this.lastContact = Date.now();
    this.consecutiveFailures += 1;
  }

  private relayBackoff(): number {
    const exponent = Math.min(Math.max(this.consecutiveFailures - 1, 0), 30);
    return Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** exponent);
  }

  /** Logs the backlog and deletes published rows past their retention. */
  private async housekeeping(): Promise<void> {
    this.nextHousekeeping = Date.now() + this.options.housekeepingMs;
    try {
      const deleted = await this.outbox.deletePublishedBefore(
        new Date(Date.now() - this.options.retentionMs),
      );
      const backlog = await this.backlog();
      this.logger.info({ ...backlog, deleted, broker: this.state }, "outbox backlog");
    } catch (error) {
      this.logger.warn({ err: error }, "outbox housekeeping failed");
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
