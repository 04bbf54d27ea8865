import type { Database, Tx } from "../infra/prisma";
import type { Cause, EventEnvelope } from "./event.model";

/** Events written but not yet published, for the outbox backlog metrics. */
export interface OutboxBacklog {
  pending: number;
  oldestCreatedAt: Date | null;
}

export interface Topics {
  userEvents: string;
  notifications: string;
}

/**
 * Writes events into the outbox table, always inside the caller's transaction: the event exists
 * exactly when the change it describes was committed. The relay publishes the rows later.
 */
export class OutboxRepository {
  constructor(readonly topics: Topics) {}

  async add(tx: Tx, cause: Cause, ...events: EventEnvelope[]): Promise<void> {
    await this.addTo(tx, this.topics.userEvents, cause, events);
  }

  async addNotification(tx: Tx, cause: Cause, ...events: EventEnvelope[]): Promise<void> {
    await this.addTo(tx, this.topics.notifications, cause, events);
  }

  /** Counts the unpublished rows (served by the `publishedAt, id` index). */
  async backlog(db: Database): Promise<OutboxBacklog> {
    const result = await db.outboxEvent.aggregate({
      where: { publishedAt: null },
      _count: { _all: true },
      _min: { createdAt: true },
    });
    return { pending: result._count._all, oldestCreatedAt: result._min.createdAt };
  }

  private async addTo(tx: Tx, topic: string, cause: Cause, events: EventEnvelope[]) {
    if (events.length === 0) return;
    await tx.outboxEvent.createMany({
      data: events.map((event) => ({
        eventId: event.eventId,
        topic,
        key: event.aggregateId,
        eventType: event.eventType,
        payload: event as unknown as object,
        headers: {
          "event-type": event.eventType,
          version: event.version,
          "request-id": cause.requestId,
        },
      })),
    });
  }
}
