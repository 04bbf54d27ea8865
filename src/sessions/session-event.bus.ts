import type { PubSub } from "type-graphql";
import { Topics } from "../infra/redis.keys";
import type { SessionEvent, SessionEventPublisher } from "./session-event";

/** The PubSub topics of sessions (named with every other channel in infra/redis.keys.ts). */
export const SessionTopic = {
  /** SessionEvent payloads: `session-events:<userId>` for one user, `session-events` for all. */
  EVENTS: Topics.SESSION_EVENTS,
  /**
   * `auth-changed:<userId>`: re-check that user's subscriptions. Payload `{ userId, reason }`,
   * `reason` the revocation reason when sessions ended (it names the socket's close).
   */
  AUTH_CHANGED: Topics.AUTH_CHANGED,
} as const;

/**
 * Session events and authorization-change signals over PubSub (Redis), so every gateway process
 * sees them. Publishing is fire-and-forget: subscribers are live listeners, not a log (the outbox
 * and Kafka are the durable record).
 */
export class SessionEventBus implements SessionEventPublisher {
  constructor(readonly pubSub: PubSub) {}

  publish(event: SessionEvent): void {
    this.pubSub.publish(SessionTopic.EVENTS, event.userId, event);
    this.pubSub.publish(SessionTopic.EVENTS, event);
    if (event.type === "SESSION_REVOKED") this.authChanged(event.userId, event.reason ?? undefined);
  }

  /** Tells every process to re-check the WebSocket connections of `userId`. */
  authChanged(userId: string, reason?: string): void {
    this.pubSub.publish(SessionTopic.AUTH_CHANGED, userId, { userId, reason: reason ?? null });
  }

  /** The signals for one user, until the iterator is returned. */
  authChanges(userId: string): AsyncIterable<unknown> {
    return this.pubSub.subscribe(SessionTopic.AUTH_CHANGED, userId);
  }
}
