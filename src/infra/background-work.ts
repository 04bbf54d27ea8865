import type { Logger } from "./logger";
import type { BackgroundTask } from "./lifecycle";

/**
 * Work a request hands off so that it can answer at once, whatever the work turns out to be
 * (requestPasswordReset answers in the same time for known and unknown emails because the lookup
 * and the token happen here, after the answer). Failures are logged, never thrown at anyone.
 * Stopping waits for what is in hand, so a clean shutdown loses nothing already accepted.
 */
export class BackgroundWork implements BackgroundTask {
  readonly name = "background-work";
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Runs `work` after the current request's turn of the event loop. */
  run(what: string, work: () => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => this.logger.error({ err, work: what }, "background work failed"))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves when nothing is in hand (including work started while waiting). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  start(): void {}

  stop(): Promise<void> {
    return this.idle();
  }
}
