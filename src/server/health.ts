import { Router } from "express";

export type DependencyCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: DependencyCheck): Promise<unknown> {
  return Promise.race([
    check(),
    new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS).unref()),
  ]);
}

/**
 * Liveness: the process runs. Readiness: every required dependency answers (503 naming what
 * failed otherwise), and the gateway is not shutting down. Optional dependencies are reported
 * but never fail readiness.
 */
export function healthRouter(options: {
  required: Record<string, DependencyCheck>;
  optional?: Record<string, () => Promise<string>>;
  isShuttingDown: () => boolean;
  /** An operator-facing explanation of a failed required check, when there is one. */
  explain?: (error: unknown) => string | undefined;
}): Router {
  const router = Router();
  router.get("/health/liveness", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/health/readiness", async (_req, res) => {
    const checks: Record<string, string> = {};
    const problems: Record<string, string> = {};
    await Promise.all(
      Object.entries(options.required).map(async ([name, check]) => {
        checks[name] = await withTimeout(check).then(
          () => "up",
          (error: unknown) => {
            const explanation = options.explain?.(error);
            if (explanation) problems[name] = explanation;
            return "down";
          },
        );
      }),
    );
    const failed = Object.keys(checks).filter((name) => checks[name] !== "up");
    for (const [name, describe] of Object.entries(options.optional ?? {})) {
      checks[name] = await describe().catch(() => "down");
    }
    const shuttingDown = options.isShuttingDown();
    const ready = failed.length === 0 && !shuttingDown;
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not ready",
      checks,
      ...(failed.length > 0 && { failed }),
      ...(Object.keys(problems).length > 0 && { problems }),
      ...(shuttingDown && { shuttingDown: true }),
    });
  });
  return router;
}
