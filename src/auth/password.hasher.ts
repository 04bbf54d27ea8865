import { AsyncResource } from "node:async_hooks";
import bcrypt from "bcrypt";
import pLimit from "p-limit";
import { deadlines } from "../infra/deadline";
import { noTracing, type Tracing } from "../observability/tracing";
import { BCRYPT_MAX_BYTES } from "./password.policy";

/**
 * bcrypt off the event loop (bcrypt's async API runs in libuv's thread pool) and bounded: at most
 * `concurrency` hashes at once, so a burst of logins queues here instead of filling the thread
 * pool that DNS and file I/O share, and requests that need no hashing keep flowing. Work whose
 * request passed its deadline while queued is skipped, not done for nobody.
 */
export class PasswordHasher {
  private readonly limit: ReturnType<typeof pLimit>;
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly rounds: number,
    concurrency: number,
    private readonly tracing: Tracing = noTracing,
  ) {
    this.limit = pLimit(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.run("bcrypt.hash", () => bcrypt.hash(password, this.rounds));
  }

  /**
   * One bcrypt call: after its turn in the queue, unless its request gave up meanwhile. Bound to
   * the caller's async context, because p-limit starts queued work from whichever call finished
   * last (the deadline and the trace span must be the caller's).
   */
  private run<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.limit(
      AsyncResource.bind(() => {
        deadlines.check();
        return this.tracing.span(name, work, { "bcrypt.rounds": this.rounds });
      }),
    );
  }

  /**
   * Compares against `hash`, or against a dummy hash of the same cost when there is none, so an
   * unknown account costs the same time as a wrong password.
   */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    // A stored hash can never match a password longer than bcrypt reads: refuse it outright so
    // two passwords sharing their first 72 bytes never verify against one hash.
    const tooLong = Buffer.byteLength(password, "utf8") > BCRYPT_MAX_BYTES;
    const target = hash ?? (await this.getDummyHash());
    const matches = await this.run("bcrypt.compare", () => bcrypt.compare(password, target));
    return matches && hash !== undefined && !tooLong;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= bcrypt.hash("dummy-password-for-timing", this.rounds);
    return this.dummyHash;
  }

  /** Pays for the dummy hash at start-up rather than on the first unknown-email login. */
  async warmUp(): Promise<void> {
    await this.getDummyHash();
  }
}
