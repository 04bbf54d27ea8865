import type { AuthState, Viewer } from "../users/viewer";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { Deadline } from "../infra/deadline";
import type { Logger } from "../infra/logger";
import type { GraphQLOutcome } from "../observability/metrics";
import type { SpanHandle } from "../observability/tracing";
import type { Loaders } from "./users/user.loader";

/** What the GraphQL layer learns about a request, for its log line, metrics and span. */
export interface RequestRecord {
  operationName?: string | null;
  operationType?: string;
  userId?: string;
  outcome?: GraphQLOutcome;
  errorCodes?: string[];
}

/**
 * Per HTTP GraphQL request: its deadline, its record and its span (opened by the HTTP layer,
 * server/request-scope.ts; filled by observability.plugin.ts).
 */
export interface RequestScope {
  deadline: Deadline;
  record: RequestRecord;
  span: SpanHandle;
}

/** What every resolver and permission rule knows about the caller. */
export interface GraphQLContext {
  requestId: string;
  ipAddress?: string;
  userAgent?: string;
  auth: AuthState;
  logger: Logger;
  /** Per-request DataLoaders (graphql/users/user.loader.ts createLoaders): never shared between requests. */
  loaders: Loaders;
  /** HTTP requests: the deadline, and what logs, metrics and the trace record about it. */
  scope?: RequestScope;
  /**
   * HTTP requests: whether this caller may read the subgraph SDL (FEDERATION_SDL_ACCESS,
   * server/federation-sdl.ts). Unset (WebSocket) is no.
   */
  subgraphSdlAllowed?: () => boolean;
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
