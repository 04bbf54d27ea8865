import type { Logger } from "../infra/logger";

/** One step of a shutdown, run after the previous one has finished. */
export interface ShutdownStep {
  name: string;
  run(): Promise<void> | void;
}

export type ShutdownOutcome =
  /** Every step finished. */
  | { kind: "clean" }
  /** Every step ran; some failed (logged). */
  | { kind: "failed"; failed: string[] }
  /** The deadline passed while `pending` was still running; later steps never started. */
  | { kind: "timeout"; pending: string };

/**
 * Runs the steps in order, each after the previous one settled; a failing step is logged and
 * the next one runs anyway. Resolves when all are done, or when `timeoutMs` has passed, whatever
 * is still running then.
 */
export async function shutDown(
  steps: ShutdownStep[],
  options: { timeoutMs: number; logger: Logger },
): Promise<ShutdownOutcome> {
  const { logger, timeoutMs } = options;
  let current = "";
  const failed: string[] = [];
  const run = (async () => {
    for (const step of steps) {
      current = step.name;
      const startedAt = Date.now();
      try {
        await step.run();
        logger.info({ step: step.name, ms: Date.now() - startedAt }, "shutdown step done");
      } catch (err) {
        failed.push(step.name);
        logger.error({ err, step: step.name }, "shutdown step failed");
      }
    }
    return failed.length > 0 ? { kind: "failed" as const, failed } : { kind: "clean" as const };
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout", pending: current }), timeoutMs);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * On the first SIGTERM or SIGINT, runs the shutdown and exits: 0 when it was clean, 1 otherwise
 * (a step failed or the deadline passed). A second SIGINT (Ctrl-C again) exits at once; a repeated
 * SIGTERM is ignored, since some supervisors send it to the process and to its group alike.
 */
export function exitOnSignals(
  steps: ShutdownStep[],
  options: { timeoutMs: number; logger: Logger; exit?: (code: number) => void },
): void {
  const { logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal !== "SIGINT") return;
      logger.warn({ signal }, "second interrupt: exiting now");
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, "shutting down");
    void shutDown(steps, { timeoutMs, logger }).then((outcome) => {
      if (outcome.kind === "timeout") {
        logger.error({ pending: outcome.pending, timeoutMs }, "shutdown deadline passed: exiting anyway");
      } else {
        logger.info({ outcome: outcome.kind }, "shutdown complete");
      }
      exit(outcome.kind === "clean" ? 0 : 1);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
