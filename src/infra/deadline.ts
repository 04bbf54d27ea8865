import { AsyncLocalStorage } from "node:async_hooks";
import { errors } from "../core/errors";

/** The deadline of the request being served (REQUEST_TIMEOUT_MS), aborted when it passes. */
export interface Deadline {
  signal: AbortSignal;
  timeoutMs: number;
}

const current = new AsyncLocalStorage<Deadline>();

/**
 * Carries the request's deadline to code that has no context argument (the password hasher's
 * queue), so work that nobody waits for any more is skipped instead of done.
 */
export const deadlines = {
  run<T>(deadline: Deadline, work: () => T): T {
    return current.run(deadline, work);
  },

  /** Throws REQUEST_TIMEOUT when the current request's deadline has passed. */
  check(): void {
    const deadline = current.getStore();
    if (deadline?.signal.aborted) throw errors.requestTimeout(deadline.timeoutMs);
  },
};
