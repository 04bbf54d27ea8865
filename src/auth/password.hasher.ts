import { AsyncResource } from "node:async_hooks";
import path from "node:path";
import pLimit from "p-limit";
import workerpool from "workerpool";
import { deadlines } from "../infra/deadline";
import { noTracing, type Tracing } from "../observability/tracing";
import { BCRYPT_MAX_BYTES } from "./password.policy";

export interface HasherOptions {
  rounds: number;
  /** Hashing threads: at most this many hashes at once; more wait in a queue. */
  concurrency: number;
  /** Nice value of the hashing threads (0 normal … 19 lowest). */
  nice: number;
}

/**
 * bcrypt off the event loop and bounded: hashes run on `concurrency` worker threads of their own
 * (password.worker.ts), at a lower priority than the event loop, and a burst of logins queues
 * here. Not in libuv's thread pool, which DNS and file I/O share and whose threads cannot be
 * given a lower priority: there, a login flood slowed every other request (see
 * docs/performance.md). Work whose request passed its deadline while queued is skipped, not done
 * for nobody.
 */
export class PasswordHasher {
  private readonly pool: ReturnType<typeof workerpool.pool>;
  /** The queue: a hash leaves it only when a thread is free, so its deadline is checked then. */
  private readonly limit: ReturnType<typeof pLimit>;
  private dummyHash: Promise<string> | undefined;

  private readonly options: HasherOptions;
  private readonly tracing: Tracing;

  constructor(deps: {
    options: HasherOptions;
    tracing?: Tracing;
  }) {
    this.options = deps.options;
    this.tracing = deps.tracing ?? noTracing;
    this.limit = pLimit(this.options.concurrency);
    // Compiled, this is password.worker.js; under ts-node or ts-jest the worker compiles the .ts.
    const compiled = path.extname(__filename) === ".js";
    const script = path.join(__dirname, `password.worker${compiled ? ".js" : ".ts"}`);
    this.pool = workerpool.pool(script, {
      workerType: "thread",
      maxWorkers: this.options.concurrency,
      workerThreadOpts: {
        workerData: { nice: this.options.nice },
        ...(compiled
          ? // A hashing thread holds a few small strings: keep its heap, and its RSS, small.
            { resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } }
          : { execArgv: ["-r", "ts-node/register/transpile-only"] }),
      },
    });
  }

  hash(password: string): Promise<string> {
    return this.run("hash", [password, this.options.rounds]);
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
    const matches = await this.run<boolean>("compare", [password, target]);
    return matches && hash !== undefined && !tooLong;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.hash("dummy-password-for-timing");
    return this.dummyHash;
  }

  /** Pays for the dummy hash (and the threads' start) at start-up rather than on first use. */
  async warmUp(): Promise<void> {
    await this.getDummyHash();
  }

  async close(): Promise<void> {
    await this.pool.terminate();
  }

  /**
   * One bcrypt call on a hashing thread: after its turn in the queue, unless its request gave up
   * meanwhile. Bound to the caller's async context, because p-limit starts queued work from
   * whichever call finished last (the deadline and the trace span must be the caller's).
   */
  private run<T>(method: "hash" | "compare", args: unknown[]): Promise<T> {
    return this.limit(
      AsyncResource.bind(() => {
        deadlines.check();
        return this.tracing.span(
          `bcrypt.${method}`,
          // workerpool's promise is its own kind; make it a native one for callers.
          async () => (await this.pool.exec(method, args)) as T,
          { "bcrypt.rounds": this.options.rounds },
        );
      }),
    );
  }
}
