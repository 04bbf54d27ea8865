import type { ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "../infra/logger";
import type { RequestRecord } from "../graphql/context";
import { outcomeOf, scopeOf } from "./request-scope";
import type { Tracing } from "../observability/tracing";

/** Polled by probes and scrapers: logged at debug, so they do not drown the rest. */
const QUIET_PATHS = /^\/(health\/|metrics$)/;

/**
 * One JSON line per HTTP request when its response ends: request id, method, path (never the
 * query string), status, duration, trace id, and for GraphQL the operation, its type, the caller's
 * user id, the outcome and the error codes (from the record the GraphQL layer filled in).
 */
export function requestLog(logger: Logger, tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    logWhenClosed(logger, tracing, res, {
      method: req.method,
      path: req.path,
      requestId: () => res.locals.requestId as string | undefined,
      record: () => scopeOf(res)?.record,
    });
    next();
  };
}

/**
 * The same line for a response that Express does not serve (the GraphQL path, server/graphql-http.ts):
 * `requestId` and `record` are read when the response closes.
 */
export function logWhenClosed(
  logger: Logger,
  tracing: Tracing,
  res: ServerResponse,
  request: {
    method: string;
    path: string;
    requestId: () => string | undefined;
    record: () => RequestRecord | undefined;
  },
): void {
  const startedAt = performance.now();
  const traceId = tracing.traceId();
  const path = request.path.slice(0, 200);
  res.once("close", () => {
    const record = request.record();
    const finished = res.writableFinished;
    const line = {
      requestId: request.requestId(),
      method: request.method,
      path,
      // A response cut short may never have had its status sent.
      status: res.headersSent ? res.statusCode : undefined,
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
      ...(traceId && { traceId }),
      ...(record && {
        operation: record.operationName?.slice(0, 100),
        operationType: record.operationType,
        userId: record.userId,
        outcome: outcomeOf(record, res),
        errorCodes: record.errorCodes,
      }),
      ...(!finished && { aborted: true }),
    };
    if (QUIET_PATHS.test(path)) logger.debug(line, "request");
    else if (res.statusCode >= 500) logger.warn(line, "request");
    else logger.info(line, "request");
  });
}
