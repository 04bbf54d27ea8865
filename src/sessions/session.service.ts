import type { Viewer } from "../auth/viewer";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Database, Tx } from "../infra/prisma";
import {
  sessionEvent,
  type RevocationReason,
  type SessionEventPublisher,
} from "./session-event";
import type { SessionRecord, SessionStore } from "./session.store";

/**
 * Ends sessions. Each ending is a Redis change plus a `user.logged_out` event: the Redis change
 * runs inside the event's database transaction, as its last step, so no event is committed for a
 * revocation that failed.
 */
export class SessionService {
  constructor(
    private readonly db: Database,
    private readonly store: SessionStore,
    private readonly outbox: OutboxRepository,
    private readonly events: SessionEventPublisher,
  ) {}

  list(userId: string): Promise<SessionRecord[]> {
    return this.store.listForUser(userId);
  }

  /**
   * Ends one of the caller's own sessions. Someone else's id answers SESSION_NOT_FOUND exactly
   * like an unknown one, so the answer never confirms that a session exists.
   */
  async revokeOwn(viewer: Viewer, sessionId: string, cause: Cause): Promise<true> {
    if (!(await this.revoke(viewer.user.id, sessionId, "REVOKED_BY_USER", cause))) {
      throw errors.sessionNotFound();
    }
    return true;
  }

  /** Ends every session of the caller, the current one included; returns how many. */
  async logoutAll(viewer: Viewer, cause: Cause): Promise<number> {
    return (await this.revokeAll(viewer.user.id, "LOGOUT_ALL", cause)).length;
  }

  /** Ends one session of `userId`; false when it does not exist (or is not theirs). */
  async revoke(
    userId: string,
    sessionId: string,
    reason: RevocationReason,
    cause: Cause,
    tx?: Tx,
  ): Promise<boolean> {
    const revoked = await this.inTransaction(tx, async (t) => {
      const session = await this.store.get(userId, sessionId);
      if (!session || session.userId !== userId) return [];
      if (!(await this.store.revoke(sessionId, userId))) return [];
      await this.outbox.add(t, cause, userEvents.loggedOut(userId, [sessionId], reason));
      return [sessionId];
    });
    this.announce(userId, revoked, reason, cause);
    return revoked.length === 1;
  }

  /** Ends every session of `userId` but those in `keep`; returns the ids ended. */
  async revokeAll(
    userId: string,
    reason: RevocationReason,
    cause: Cause,
    options: { keep?: string[]; tx?: Tx } = {},
  ): Promise<string[]> {
    const revoked = await this.inTransaction(options.tx, async (t) => {
      const ids = await this.store.revokeAllExcept(userId, options.keep);
      if (ids.length > 0) await this.outbox.add(t, cause, userEvents.loggedOut(userId, ids, reason));
      return ids;
    });
    this.announce(userId, revoked, reason, cause);
    return revoked;
  }

  /** Tells subscribers; a Redis change that happened is worth announcing even if a commit fails. */
  announce(userId: string, sessionIds: string[], reason: RevocationReason, cause?: Cause): void {
    for (const sessionId of sessionIds) {
      this.events.publish(
        sessionEvent("SESSION_REVOKED", userId, {
          sessionId,
          reason,
          ipAddress: cause?.ipAddress,
          userAgent: cause?.userAgent,
        }),
      );
    }
  }

  private inTransaction<T>(tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.db.$transaction(work);
  }
}
