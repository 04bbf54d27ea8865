import { randomUUID } from "node:crypto";

export const EVENT_VERSION = "1.0.0";

/** The envelope every published event has; `data` differs by `eventType`. */
export interface EventEnvelope<T = Record<string, unknown>> {
  eventId: string;
  eventType: string;
  version: string;
  occurredAt: string;
  aggregateId: string;
  data: T;
}

/** What caused a change: carried into event headers and audit entries. */
export interface Cause {
  requestId: string;
  ipAddress?: string;
  userAgent?: string;
  actorId?: string;
}

export function envelope(
  eventType: string,
  aggregateId: string,
  data: Record<string, unknown>,
  occurredAt = new Date(),
): EventEnvelope {
  return {
    eventId: randomUUID(),
    eventType,
    version: EVENT_VERSION,
    occurredAt: occurredAt.toISOString(),
    aggregateId,
    data,
  };
}
