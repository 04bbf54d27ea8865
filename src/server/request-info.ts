import type { IncomingMessage } from "node:http";
import type { Request } from "express";
import proxyAddr from "proxy-addr";
import type { Logger } from "../infra/logger";
import { requestIdFrom } from "./request-id";

/** Who is asking, as the HTTP request or the WebSocket upgrade says: the start of a context. */
export interface RequestInfo {
  requestId: string;
  ipAddress?: string;
  userAgent?: string;
  logger: Logger;
}

/**
 * The parts of an HTTP request the context needs (Express has resolved trust proxy already).
 * `logger` is made on first use: a pino child per request cost about a tenth of `me`, and most
 * requests never log. Extend the returned object (Object.assign) rather than spreading it, which
 * would make the child at once.
 */
export function requestInfo(req: Request, logger: Logger): RequestInfo {
  return lazyRequestInfo(
    String(req.res?.locals.requestId ?? ""),
    req.ip,
    req.get("user-agent") ?? undefined,
    logger,
  );
}

/** The same from its parts (the GraphQL path that does not pass through Express). */
export function lazyRequestInfo(
  requestId: string,
  ipAddress: string | undefined,
  userAgent: string | undefined,
  logger: Logger,
): RequestInfo {
  let child: Logger | undefined;
  return {
    requestId,
    ipAddress,
    userAgent,
    get logger() {
      child ??= logger.child({ requestId });
      return child;
    },
  };
}

/** Express's compiled `trust proxy` setting (`app.get("trust proxy fn")`). */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * The same for the HTTP upgrade request of a WebSocket connection, which never passes through
 * Express: the client address is resolved with Express's own trust-proxy function, so HTTP and
 * WebSocket agree on who is calling. `requestId` identifies the connection.
 */
export function connectionInfo(
  request: IncomingMessage,
  trustProxy: TrustProxy,
  logger: Logger,
): RequestInfo {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const requestId = requestIdFrom(header("x-request-id"));
  return {
    requestId,
    ipAddress: proxyAddr(request, trustProxy),
    userAgent: header("user-agent"),
    logger: logger.child({ requestId }),
  };
}
