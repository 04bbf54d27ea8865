import type { IncomingMessage } from "node:http";
import type { Request } from "express";
import proxyAddr from "proxy-addr";
import type { AuthState, Viewer } from "../auth/viewer";
import { errors } from "../errors";
import type { Cause } from "../outbox/event.model";
import type { Logger } from "../infra/logger";
import type { Loaders } from "../users/user.loader";
import { requestIdFrom } from "./request-id";
import type { RequestScope } from "./request-scope";

/** What every resolver and permission rule knows about the caller. */
export interface GraphQLContext {
  requestId: string;
  ipAddress?: string;
  userAgent?: string;
  auth: AuthState;
  logger: Logger;
  /** Per-request DataLoaders (users/user.loader.ts createLoaders): never shared between requests. */
  loaders: Loaders;
  /**
   * Set by register, login and refreshToken: the user this request has just signed in, who may
   * read their own fields in the returned payload although the request came without a token.
   */
  signedInUserId?: string;
  /** HTTP requests: the deadline, and what logs, metrics and the trace record about it. */
  scope?: RequestScope;
  /**
   * HTTP requests: whether this caller may read the subgraph SDL (FEDERATION_SDL_ACCESS,
   * server/federation-sdl.ts). Unset (WebSocket) is no.
   */
  subgraphSdlAllowed?: () => boolean;
}

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
  return lazyRequestInfo(String(req.res?.locals.requestId ?? ""), req.ip, req.get("user-agent") ?? undefined, logger);
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

/** The signed-in caller. Permission rules guarantee one exists wherever this is called. */
export function viewerOf(ctx: GraphQLContext): Viewer {
  if (!ctx.auth.viewer) throw ctx.auth.error ?? errors.authenticationRequired();
  return ctx.auth.viewer;
}

export function causeOf(ctx: GraphQLContext): Cause {
  return {
    requestId: ctx.requestId,
    ipAddress: ctx.ipAddress,
    userAgent: ctx.userAgent,
    actorId: ctx.auth.viewer?.user.id,
  };
}
