import type { Authenticator } from "../auth/authenticator";
import type { Viewer } from "../users/viewer";
import type { AppError } from "../core/errors";
import type { Logger } from "../infra/logger";
import type { SessionEventBus } from "../sessions/session-event.bus";

/** Close codes: 4403 is graphql-ws' Forbidden; 1013 ("try again later") makes clients retry. */
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** Node's timers hold at most ~24.8 days; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface GuardDependencies {
  authenticator: Authenticator;
  events: SessionEventBus;
  logger: Logger;
}

/**
 * Watches one authenticated WebSocket connection and ends it (via `end`) as soon as it has lost
 * its right to exist:
 *
 * - at the `exp` of the access token it connected with (a timer);
 * - when an `auth-changed` signal for its user arrives (a session of the user ended, or the
 *   profile was written: role, active flag, deletion), it re-runs the very Authenticator that
 *   serves HTTP requests with the connection's token; the connection ends when that fails
 *   (session gone, account disabled or deleted) or when the user's role is no longer the one the
 *   connection was authorized with;
 * - when the PubSub connection comes back after a loss (signals may have been missed), the same
 *   re-check runs.
 *
 * Signals cost nothing while nothing changes, unlike polling every connection.
 */
export class ConnectionGuard {
  private timer?: NodeJS.Timeout;
  private changes?: AsyncIterator<unknown>;
  private stopped = false;

  constructor(
    private readonly deps: GuardDependencies,
    private readonly authorization: string,
    private readonly viewer: Viewer,
    private readonly end: (code: number, reason: string) => void,
  ) {}

  start(): void {
    this.armExpiry();
    const changes = this.deps.events.authChanges(this.viewer.user.id)[Symbol.asyncIterator]();
    this.changes = changes;
    void this.watch(changes);
  }

  /**
   * Re-authenticates the connection's token and ends the connection when it no longer holds.
   * `revokedFor`: why the user's sessions just ended, when a signal said so.
   */
  async recheck(revokedFor?: string): Promise<void> {
    if (this.stopped) return;
    let auth;
    try {
      auth = await this.deps.authenticator.authenticate(this.authorization);
    } catch (err) {
      // Cannot tell whether the connection is still allowed: do not keep it on trust.
      this.deps.logger.warn({ err }, "could not re-check a websocket connection");
      return this.close(CLOSE_TRY_AGAIN_LATER, "Try again later");
    }
    if (!auth.viewer) return this.close(CLOSE_FORBIDDEN, closeReason(auth.error, revokedFor));
    if (auth.viewer.user.role !== this.viewer.user.role) {
      return this.close(CLOSE_FORBIDDEN, "ROLE_CHANGED");
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    void this.changes?.return?.();
  }

  private async watch(changes: AsyncIterator<unknown>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await changes.next();
        if (done || this.stopped) return;
        const reason = (value as { reason?: unknown } | undefined)?.reason;
        await this.recheck(typeof reason === "string" ? reason : undefined);
      }
    } catch (err) {
      this.deps.logger.warn({ err }, "lost the authorization signals of a websocket connection");
      this.close(CLOSE_TRY_AGAIN_LATER, "Try again later");
    }
  }

  private armExpiry(): void {
    const left = this.viewer.claims.exp * 1000 - Date.now();
    if (left <= 0) {
      this.close(CLOSE_FORBIDDEN, "TOKEN_EXPIRED");
      return;
    }
    this.timer = setTimeout(() => this.armExpiry(), Math.min(left, MAX_TIMER_MS));
    this.timer.unref();
  }

  private close(code: number, reason: string): void {
    if (this.stopped) return;
    this.stop();
    this.deps.logger.info({ code, reason }, "closing websocket connection");
    this.end(code, reason);
  }
}

/**
 * Sessions that ended because of these changes to the account close the socket with the change
 * itself as the reason, rather than the bare "session ended" the token check sees.
 */
const ACCOUNT_CHANGES = new Set(["ACCOUNT_DISABLED", "ROLE_CHANGED"]);

/** The close reason is the registry name of why the token stopped working. */
function closeReason(error: AppError | undefined, revokedFor?: string): string {
  if (revokedFor !== undefined && ACCOUNT_CHANGES.has(revokedFor) && error?.reason === "SESSION_NOT_FOUND") {
    return revokedFor;
  }
  return error?.reason ?? error?.code ?? "FORBIDDEN";
}
