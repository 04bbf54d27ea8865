import { createHash } from "node:crypto";
import type { Viewer } from "../users/viewer";
import { errors } from "../core/errors";
import type { UnitOfWork, Unit } from "../infra/unit-of-work";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import {
  type RevocationReason,
  type SessionAnnouncements,
  type SessionEventPublisher,
  sessionEvent,
} from "./session-event";
import type { NewSession, RotationOutcome, SessionRecord, SessionStore } from "./session.store";

/** What a session's changes write through the unit of work. */
export type SessionWork = Unit & OutboxWrites & SessionAnnouncements;

/** The token pair a session is opened or rotated with. */
export type PairIds = Pick<NewSession, "refreshJti" | "accessJti" | "issuedAt">;

/**
 * Who presented a refresh token, as far as the gateway can tell: its IP address and User-Agent,
 * hashed. The grace window of a rotation serves its pair again only to the same client.
 */
function clientFingerprint(cause: Cause): string {
  return createHash("sha256")
    .update(`${cause.ipAddress ?? ""}\n${cause.userAgent ?? ""}`)
    .digest("base64url")
    .slice(0, 22);
}

/**
 * A session's whole life: opened (with the per-user limit), rotated (with the refresh-reuse rule,
 * whose atomic half is the ROTATE script in session.scripts.ts), listed and ended. Each ending is
 * a Redis change plus a `user.logged_out` event: the Redis change runs inside the event's unit of
 * work as its last step, so no event is committed for a revocation that failed, and subscribers
 * hear of it only after the commit.
 */
export class SessionService {
  private readonly uow: UnitOfWork<SessionWork>;
  private readonly store: SessionStore;
  private readonly events: SessionEventPublisher;

  constructor(deps: {
    uow: UnitOfWork<SessionWork>;
    store: SessionStore;
    /** Announcements that follow no database write (a refresh). */
    events: SessionEventPublisher;
  }) {
    this.uow = deps.uow;
    this.store = deps.store;
    this.events = deps.events;
  }

  list(userId: string): Promise<SessionRecord[]> {
    return this.store.listForUser(userId);
  }

  /** The live session `sessionId` of `userId`, or undefined. */
  async find(userId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const live = await this.store.get(userId, sessionId);
    return live?.userId === userId ? live : undefined;
  }

  /**
   * Opens a session as the last step of the caller's unit of work (sign-up, sign-in): the least
   * recently used sessions beyond the limit end with it. If the unit rolls back afterwards, the
   * new session is removed again; the evicted ones are gone either way, so they are announced
   * whichever way the unit ends.
   */
  open(user: { id: string }, sessionId: string, ids: PairIds, cause: Cause): Promise<void> {
    return this.uow.run(async (unit) => {
      const { evicted } = await this.store.create({
        id: sessionId,
        userId: user.id,
        ipAddress: cause.ipAddress,
        userAgent: cause.userAgent,
        ...ids,
      });
      unit.onRollback(() => this.store.revoke(sessionId, user.id));
      if (evicted.length > 0) {
        await unit.emit(cause, userEvents.loggedOut(user.id, evicted, "SESSION_LIMIT"));
        this.announce(unit, user.id, evicted, "SESSION_LIMIT", cause);
        unit.onRollback(() => this.announceNow(user.id, evicted, "SESSION_LIMIT", cause));
      }
    });
  }

  /**
   * Presents refresh token `presentedJti` of `session`. A token that was already rotated away is
   * reuse (someone holds a copy): the ROTATE script has already ended the session; here it is
   * recorded and announced, and the caller is told `reused`. A refresh that rotated is announced.
   */
  async rotate(
    session: { id: string; userId: string },
    presentedJti: string,
    next: PairIds,
    cause: Cause,
  ): Promise<RotationOutcome> {
    const outcome = await this.store.rotate(session, presentedJti, next, clientFingerprint(cause));
    if (outcome.kind === "reused") {
      await this.uow.run(async (unit) => {
        await unit.emit(cause, userEvents.loggedOut(session.userId, [session.id], "REFRESH_TOKEN_REUSE"));
        this.announce(unit, session.userId, [session.id], "REFRESH_TOKEN_REUSE", cause);
      });
    } else if (outcome.kind === "rotated") {
      this.events.publish(
        sessionEvent("SESSION_REFRESHED", session.userId, { sessionId: session.id, ...cause }),
      );
    }
    return outcome;
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

  /**
   * Ends one session of `userId`; false when it does not exist (or is not theirs). Joins the
   * caller's unit of work when there is one.
   */
  revoke(userId: string, sessionId: string, reason: RevocationReason, cause: Cause): Promise<boolean> {
    return this.uow.run(async (unit) => {
      const session = await this.store.get(userId, sessionId);
      if (!session || session.userId !== userId) return false;
      if (!(await this.store.revoke(sessionId, userId))) return false;
      await unit.emit(cause, userEvents.loggedOut(userId, [sessionId], reason));
      this.announce(unit, userId, [sessionId], reason, cause);
      return true;
    });
  }

  /**
   * Ends every session of `userId` but those in `keep`; returns the ids ended. Joins the caller's
   * unit of work when there is one (a role change, an erasure).
   */
  revokeAll(
    userId: string,
    reason: RevocationReason,
    cause: Cause,
    options: { keep?: string[] } = {},
  ): Promise<string[]> {
    return this.uow.run(async (unit) => {
      const ids = await this.store.revokeAllExcept(userId, options.keep);
      if (ids.length > 0) {
        await unit.emit(cause, userEvents.loggedOut(userId, ids, reason));
        this.announce(unit, userId, ids, reason, cause);
      }
      return ids;
    });
  }

  private announce(
    unit: SessionAnnouncements,
    userId: string,
    sessionIds: string[],
    reason: RevocationReason,
    cause: Cause,
  ): void {
    for (const event of this.revocations(userId, sessionIds, reason, cause)) unit.announce(event);
  }

  private announceNow(userId: string, sessionIds: string[], reason: RevocationReason, cause: Cause) {
    for (const event of this.revocations(userId, sessionIds, reason, cause)) this.events.publish(event);
  }

  private revocations(userId: string, sessionIds: string[], reason: RevocationReason, cause: Cause) {
    return sessionIds.map((sessionId) =>
      sessionEvent("SESSION_REVOKED", userId, {
        sessionId,
        reason,
        ipAddress: cause.ipAddress,
        userAgent: cause.userAgent,
      }),
    );
  }
}
