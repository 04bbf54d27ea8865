import type { RequestHandler } from "express";
import type { Logger } from "../infra/logger";
import { outcomeOf, scopeOf } from "../server/request-scope";
import type { Tracing } from "./tracing";

/** Polled by probes and scrapers: logged at debug, so they do not drown the rest. */
const QUIET_PATHS = /^\/(health\/|metrics$)/;

/**
 * One JSON line per HTTP request when its response ends: request id, method, path (never the
 * query string), status, duration, trace id, and for GraphQL the operation, its type, the caller's
 * user id, the outcome and the error codes (from the record the GraphQL layer filled in).
 */
export function requestLog(logger: Logger, tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const startedAt = performance.now();
    const traceId = tracing.traceId();
    const path = req.path.slice(0, 200);
    res.once("close", () => {
      const record = scopeOf(res)?.record;
      const finished = res.writableFinished;
      const line = {
        requestId: res.locals.requestId as string | undefined,
        method: req.method,
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
    next();
  };
}
