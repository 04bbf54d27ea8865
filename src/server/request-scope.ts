import type { ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";
import type { RequestRecord, RequestScope } from "../graphql/context";
import type { GraphQLOutcome, Metrics } from "../observability/metrics";
import type { Tracing } from "../observability/tracing";
import { deadlines, type Deadline } from "../infra/deadline";
import { errors } from "../core/errors";
import { sendError } from "./http-errors";

export function scopeOf(res: Response): RequestScope | undefined {
  return res.locals.scope as RequestScope | undefined;
}

/**
 * How the request ended: a timeout stays one; a response that never finished was aborted (the
 * client left, or shutdown cut the connection); otherwise what GraphQL made of it, or the status.
 */
export function outcomeOf(record: RequestRecord, res: ServerResponse): GraphQLOutcome {
  if (record.outcome === "timeout") return "timeout";
  if (!res.writableFinished) return "aborted";
  if (record.outcome) return record.outcome;
  if (res.statusCode >= 500) return "server_error";
  return res.statusCode >= 400 ? "client_error" : "success";
}

export interface ScopeOptions {
  timeoutMs: number;
  metrics: Metrics;
  tracing: Tracing;
}

/**
 * Opens the scope of one GraphQL request: a deadline that answers REQUEST_TIMEOUT (503) when it
 * passes and aborts the work still running, the in-flight gauge, the operation span (active for
 * everything the request starts), and at the end the request's metrics. `run` continues the
 * request inside the span and the deadline, so they are the active context of all that follows.
 */
export function openRequestScope<T>(
  res: ServerResponse,
  options: ScopeOptions,
  run: (scope: RequestScope) => T,
): T {
  const { timeoutMs, metrics, tracing } = options;
  const startedAt = performance.now();
  const ended = metrics.graphql.started();
  const controller = new AbortController();
  const deadline: Deadline = { signal: controller.signal, timeoutMs };
  const record: RequestRecord = {};
  const timer = setTimeout(() => {
    record.outcome = "timeout";
    controller.abort();
    if (!res.headersSent) sendError(res, 503, errors.requestTimeout(timeoutMs));
  }, timeoutMs);

  return tracing.startActive("graphql.request", (span) => {
    const scope: RequestScope = { deadline, record, span };
    res.once("close", () => {
      clearTimeout(timer);
      ended();
      const outcome = outcomeOf(record, res);
      const resolved = record.operationType !== undefined;
      metrics.graphql.observe(
        {
          operation: resolved ? metrics.graphql.operationLabel(record.operationName) : "unknown",
          type: record.operationType ?? "unknown",
          outcome,
        },
        (performance.now() - startedAt) / 1000,
      );
      span.setAttributes({
        "http.response.status_code": res.statusCode,
        "graphql.outcome": outcome,
      });
      // A client's mistake is the request's outcome, not a failure of the server.
      if (outcome === "server_error" || outcome === "timeout") span.fail(outcome);
      span.end();
    });
    return deadlines.run(deadline, () => run(scope));
  });
}

/** openRequestScope as Express middleware (the scope goes to `res.locals.scope`). */
export function requestScope(options: ScopeOptions): RequestHandler {
  return (_req, res, next) =>
    openRequestScope(res, options, (scope) => {
      res.locals.scope = scope;
      next();
    });
}
