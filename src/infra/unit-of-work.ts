import { AsyncLocalStorage } from "node:async_hooks";
import type { Database, Tx } from "./prisma";

type Hook = () => unknown;

/**
 * One database transaction and what waits on its outcome. Work that must not be seen before the
 * rows are (a cache write, a PubSub announcement) is queued with `afterCommit`; work that undoes a
 * change outside the database (a Redis session created inside the transaction) with `onRollback`.
 */
export interface Unit {
  readonly tx: Tx;
  /** Runs after the commit, in the order queued, before `run` returns; its error is `run`'s. */
  afterCommit(hook: Hook): void;
  /** Runs when the transaction rolls back (a throw or a failed commit); its errors are reported, not thrown. */
  onRollback(hook: Hook): void;
}

/**
 * Runs work as one unit. A `run` inside a running unit (a service that calls another) joins it:
 * one transaction, and every hook waits for the outermost commit, so nothing is announced before
 * the rows it announces exist, and no caller threads a transaction through optional parameters.
 */
export interface UnitOfWork<W extends Unit = Unit> {
  run<T>(work: (unit: W) => Promise<T>): Promise<T>;
}

interface Running<W> {
  unit: W;
  /** False once the transaction ended: a callback that outlives it must not join it. */
  open: boolean;
}

/**
 * The unit of work over Prisma's interactive transactions (after better-auth's
 * `runWithTransaction` / `queueAfterTransactionHook`). `extend` adds what the domains write through
 * the unit (outbox rows, cache writes, announcements: see the composition root), so the domain
 * types stay in their own folders and this one knows only the transaction and its hooks.
 */
export class TransactionRunner<W extends Unit = Unit> implements UnitOfWork<W> {
  private readonly running = new AsyncLocalStorage<Running<W>>();
  private readonly db: Database;
  private readonly extend: (unit: Unit) => Omit<W, keyof Unit>;
  private readonly onHookError: (error: unknown) => void;

  constructor(deps: {
    db: Database;
    extend: (unit: Unit) => Omit<W, keyof Unit>;
    onHookError: (error: unknown) => void;
  }) {
    this.db = deps.db;
    this.extend = deps.extend;
    this.onHookError = deps.onHookError;
  }

  async run<T>(work: (unit: W) => Promise<T>): Promise<T> {
    const outer = this.running.getStore();
    if (outer?.open) return work(outer.unit);

    const afterCommit: Hook[] = [];
    const onRollback: Hook[] = [];
    const hooks: Omit<Unit, "tx"> = {
      afterCommit: (hook) => afterCommit.push(hook),
      onRollback: (hook) => onRollback.push(hook),
    };
    let result: T;
    try {
      result = await this.db.$transaction(async (tx) => {
        const base: Unit = { tx, ...hooks };
        const unit = { ...this.extend(base), ...base } as W;
        const current: Running<W> = { unit, open: true };
        try {
          return await this.running.run(current, () => work(unit));
        } finally {
          // Closed as soon as the work is done, before the commit: anything it started that
          // runs later (background work, a timer) opens its own unit.
          current.open = false;
        }
      });
    } catch (error) {
      for (const hook of onRollback) {
        try {
          await hook();
        } catch (hookError) {
          this.onHookError(hookError);
        }
      }
      throw error;
    }
    for (const hook of afterCommit) await hook();
    return result;
  }
}
