import type { Server } from "node:http";
import { GraphQLError, type ExecutionResult, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { AuthState } from "../auth/viewer";
import type { Container } from "../container";
import { createLoaders } from "../users/user.loader";
import { connectionInfo, type GraphQLContext, type RequestInfo, type TrustProxy } from "./context";
import { ConnectionGuard } from "./connection.guard";
import { formatError, isClientSafe } from "./errors.plugin";

/** The same limit as JSON bodies over HTTP. */
const MAX_MESSAGE_BYTES = 100 * 1024;

export interface SubscriptionServer {
  /** Closes every connection (1001, clients reconnect elsewhere) and stops accepting new ones. */
  dispose(): Promise<void>;
}

/** What a connection knows once `connection_init` has been accepted. */
interface Connection {
  info: RequestInfo;
  auth: AuthState;
  guard: ConnectionGuard;
}

function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === "string" ? value : undefined;
}

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's own port and path (/graphql).
 *
 * The client authenticates in `connection_init` with `{ "authorization": "Bearer <token>" }`,
 * checked by the Authenticator that serves HTTP; a missing or bad token closes the socket with
 * 4403. Each operation gets the same context as an HTTP request, so graphql-shield decides
 * exactly as it does over HTTP. A ConnectionGuard then ends the connection when its right to
 * exist ends. Queries and mutations stay on HTTP, where Apollo's CSRF prevention, limits and
 * error logging apply.
 */
export function createSubscriptionServer(
  httpServer: Server,
  schema: GraphQLSchema,
  container: Container,
  trustProxy: TrustProxy,
): SubscriptionServer {
  const { authenticator, logger, config } = container;
  const guards = new Set<ConnectionGuard>();
  container.pubSub.onResubscribed(() => {
    for (const guard of guards) void guard.recheck();
  });

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: "/graphql",
    maxPayload: MAX_MESSAGE_BYTES,
  });

  const cleanup = useServer<Record<string, unknown> | undefined, { connection: Connection }>(
    {
      schema,
      isProd: config.isProduction,
      execute: (): ExecutionResult => ({
        errors: [
          new GraphQLError("Send queries and mutations over HTTP; this socket carries subscriptions.", {
            extensions: { code: "BAD_REQUEST" },
          }),
        ],
      }),

      onConnect: async (ctx) => {
        const info = connectionInfo(ctx.extra.request, trustProxy, logger);
        const authorization = authorizationOf(ctx.connectionParams);
        const auth = await authenticator.authenticate(authorization);
        if (!auth.viewer || !authorization) {
          info.logger.info(
            { reason: auth.error?.extensions.reason ?? "NO_TOKEN" },
            "websocket connection refused",
          );
          return false;
        }
        const guard = new ConnectionGuard(
          { authenticator, events: container.services.sessionEvents, logger: info.logger },
          authorization,
          auth.viewer,
          (code, reason) => ctx.extra.socket.close(code, reason),
        );
        ctx.extra.connection = { info, auth, guard };
        guards.add(guard);
        guard.start();
        info.logger.debug({ userId: auth.viewer.user.id }, "websocket connection accepted");
        return true;
      },

      context: (ctx, id): GraphQLContext => {
        const { info, auth } = ctx.extra.connection!;
        const requestId = `${info.requestId}:${id}`;
        return {
          requestId,
          ipAddress: info.ipAddress,
          userAgent: info.userAgent,
          logger: logger.child({ requestId }),
          auth,
          // Per operation, never per connection: a loader's cache must not outlive one request.
          loaders: createLoaders(container.repositories),
        };
      },

      // As over HTTP: our own errors and graphql-js' errors about the request pass; anything
      // else is masked as INTERNAL_SERVER_ERROR and logged with the request id.
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            if (!error.originalError) return error.toJSON();
            if (!isClientSafe(error)) {
              const requestId = `${ctx.extra.connection?.info.requestId}:${id}`;
              logger.child({ requestId }).error({ err: error.originalError }, "unexpected error");
            }
            return formatError(error.toJSON(), error);
          }),
        };
      },

      onClose: (ctx, code, reason) => {
        const connection = ctx.extra.connection;
        if (!connection) return;
        connection.guard.stop();
        guards.delete(connection.guard);
        connection.info.logger.debug({ code, reason }, "websocket connection closed");
      },
    },
    wsServer,
  );

  return { dispose: () => Promise.resolve(cleanup.dispose()) };
}
