import type { Logger } from "./logger";

/** Work that runs beside the HTTP server for the life of the process (the outbox relay, …). */
export interface BackgroundTask {
  readonly name: string;
  /** Starts the work and returns at once; it must not wait for a dependency to be reachable. */
  start(): void | Promise<void>;
  /** Finishes what is in hand and releases its clients. */
  stop(): Promise<void>;
}

/** Starts background tasks in order and stops them in reverse; main.ts and the tests drive it. */
export class Lifecycle {
  private readonly tasks: BackgroundTask[] = [];
  private running: BackgroundTask[] = [];

  constructor(private readonly logger: Logger) {}

  add<T extends BackgroundTask>(task: T): T {
    this.tasks.push(task);
    return task;
  }

  async start(): Promise<void> {
    for (const task of this.tasks) {
      if (this.running.includes(task)) continue;
      await task.start();
      this.running.push(task);
    }
  }

  /** Safe to call more than once; a task that fails to stop does not keep the others running. */
  async stop(): Promise<void> {
    const running = this.running.reverse();
    this.running = [];
    for (const task of running) {
      await task.stop().catch((err) => this.logger.error({ err, task: task.name }, "stop failed"));
    }
  }
}
