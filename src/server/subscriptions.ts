import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { unavailableDependency } from "../infra/dependency-errors";
import type { AuthState } from "../users/viewer";
import type { Authenticator } from "../auth/authenticator";
import type { Config } from "../config";
import type { Logger } from "../infra/logger";
import type { OutageTracker } from "../infra/outage";
import type { RedisPubSub } from "../infra/pubsub";
import { logIfMasked } from "../graphql/errors";
import { createLoaders, type LoaderSources } from "../graphql/users/user.loader";
import type { GraphQLContext } from "../graphql/context";
import { connectionInfo, type RequestInfo, type TrustProxy } from "./request-info";
import { CLOSE_TRY_AGAIN_LATER, ConnectionGuard } from "./connection.guard";
import type { RequestPolicy } from "../graphql/request-policy";
import { admitSubscription, type AdmissionState } from "./subscription-admission";
import type { SessionEventBus } from "../sessions/session-event.bus";
import type { SocketRegistry } from "./socket-registry";
import { connectionAuthorization, refuseUnsupportedClients } from "./ws-handshake";

/** The same limit as JSON bodies over HTTP. */
const MAX_MESSAGE_BYTES = 100 * 1024;

export interface SubscriptionServer {
  /** Closes every connection (1001, clients reconnect elsewhere) and stops accepting new ones. */
  dispose(): Promise<void>;
}

/** WebSocket close code for a policy violation: graphql-ws clients do not retry after it. */
export const CLOSE_POLICY_VIOLATION = 1008;

/** What a connection knows once `connection_init` has been accepted. */
interface Connection extends AdmissionState {
  info: RequestInfo;
  auth: AuthState;
  guard: ConnectionGuard;
  /** Its entry in the per-user count (SocketRegistry). */
  connectionId: string;
}

export interface SubscriptionServerOptions {
  trustProxy: TrustProxy;
  /** The request rules HTTP uses (request-policy.ts). */
  policy: RequestPolicy;
  /** The error formatter HTTP uses (masking, suggestions). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's own port and path (/graphql).
 *
 * The client authenticates in `connection_init` with `{ "authorization": "Bearer <token>" }`, or a
 * router forwards the caller's token on the upgrade request (ws-handshake.ts); either is checked
 * by the Authenticator that serves HTTP, and a missing or bad token closes the socket with 4403.
 * A client of another protocol (subscriptions-transport-ws) is refused with a reason. Each
 * operation gets the same context as an HTTP request, so graphql-shield decides exactly as it
 * does over HTTP. A ConnectionGuard then ends the connection when its right to
 * exist ends. Queries and mutations stay on HTTP, where Apollo's CSRF prevention, limits and
 * error logging apply.
 */
/** The parts of the composition root the WebSocket server uses. */
export interface SubscriptionServerParts {
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  sockets: SocketRegistry;
  pubSub: RedisPubSub;
  services: { sessionEvents: SessionEventBus };
  repositories: LoaderSources;
  outages: OutageTracker;
}

export function createSubscriptionServer(
  httpServer: Server,
  schema: GraphQLSchema,
  container: SubscriptionServerParts,
  options: SubscriptionServerOptions,
): SubscriptionServer {
  const { authenticator, logger, config, sockets } = container;
  const { trustProxy, policy, formatError } = options;
  const limits = { maxSubscriptions: config.hardening.webSocket.maxSubscriptions };
  const guards = new Set<ConnectionGuard>();
  container.pubSub.onResubscribed(() => {
    for (const guard of guards) void guard.recheck();
  });

  const wsServer = new WebSocketServer({
    noServer: true,
    path: "/graphql",
    maxPayload: MAX_MESSAGE_BYTES,
  });
  // Upgrades are handed over here rather than through `server:`, which would also forward the
  // HTTP server's own errors (a port in use at start-up) to graphql-ws as a stack trace; those
  // belong to the start-up code, which says what is wrong in one line.
  httpServer.on("upgrade", (request, socket, head) =>
    wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit("connection", ws, request)),
  );

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
        const authorization = connectionAuthorization(ctx.connectionParams, ctx.extra.request);
        let auth;
        try {
          auth = await authenticator.authenticate(authorization);
        } catch (error) {
          // Redis or the database is unreachable: neither signed in nor refused for good.
          if (!unavailableDependency(error)) throw error;
          container.outages.lost(unavailableDependency(error)!, error);
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, "Try again later");
          return false;
        }
        if (!auth.viewer || !authorization) {
          info.logger.info({ reason: auth.error?.reason ?? "NO_TOKEN" }, "websocket connection refused");
          return false;
        }
        const admitted = await admitConnection(ctx.extra.socket, auth.viewer.user.id, info);
        if (!admitted) return false;
        const guard = new ConnectionGuard(
          { authenticator, events: container.services.sessionEvents, logger: info.logger },
          authorization,
          auth.viewer,
          (code, reason) => ctx.extra.socket.close(code, reason),
        );
        ctx.extra.connection = { info, auth, guard, connectionId: admitted, costs: new Map() };
        guards.add(guard);
        guard.start();
        info.logger.debug({ userId: auth.viewer.user.id }, "websocket connection accepted");
        return true;
      },

      // Parsed and validated as HTTP requests are, within the connection's caps; a refused
      // operation gets an `error` message and the socket stays open (subscription-admission.ts).
      onSubscribe: (ctx, id, payload) =>
        admitSubscription(schema, policy, limits, ctx.extra.connection!, {
          id,
          payload,
          open: Object.keys(ctx.subscriptions),
          context: () => operationContext(ctx.extra.connection!, id),
        }),

      onComplete: (ctx, id) => {
        ctx.extra.connection?.costs.delete(id);
      },

      onError: (ctx, id, _payload, errors) => {
        ctx.extra.connection?.costs.delete(id);
        return errors.map((error) => format(ctx.extra.connection, id, error));
      },

      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return;
        return {
          ...result,
          errors: result.errors.map((error) => format(ctx.extra.connection, id, error)),
        };
      },

      onClose: (ctx, code, reason) => {
        const connection = ctx.extra.connection;
        if (!connection) return;
        connection.guard.stop();
        guards.delete(connection.guard);
        void sockets
          .release(connection.auth.viewer!.user.id, connection.connectionId)
          .catch((err: unknown) =>
            connection.info.logger.warn({ err }, "could not release a websocket connection entry"),
          );
        connection.info.logger.debug({ code, reason }, "websocket connection closed");
      },
    },
    wsServer,
  );
  refuseUnsupportedClients(wsServer);

  /**
   * Counts the connection against its user's cap (SocketRegistry, shared by every process);
   * returns its id, or closes the socket and returns undefined: 1008 TOO_MANY_CONNECTIONS when
   * the user is at the cap (graphql-ws clients do not retry it), 1013 when Redis cannot tell
   * (refused, never let through uncounted).
   */
  async function admitConnection(
    socket: { close(code: number, reason: string): void },
    userId: string,
    info: RequestInfo,
  ): Promise<string | undefined> {
    const connectionId = randomUUID();
    let admitted: boolean;
    try {
      admitted = await sockets.admit(userId, connectionId);
    } catch (err) {
      info.logger.warn({ err }, "could not count a websocket connection: refusing");
      socket.close(CLOSE_TRY_AGAIN_LATER, "Try again later");
      return undefined;
    }
    if (!admitted) {
      info.logger.info({ userId, max: sockets.maxPerUser }, "websocket connection refused: too many");
      socket.close(CLOSE_POLICY_VIOLATION, "TOO_MANY_CONNECTIONS");
      return undefined;
    }
    return connectionId;
  }

  function operationContext(connection: Connection, id: string): GraphQLContext {
    const { info, auth } = connection;
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
  }

  /** As over HTTP (graphql/errors.ts): shown, or masked and logged with the request id. */
  function format(connection: Connection | undefined, id: string, error: GraphQLError) {
    if (error.originalError) {
      logIfMasked(
        error,
        logger.child({ requestId: `${connection?.info.requestId}:${id}` }),
        container.outages,
      );
    }
    return formatError(error.toJSON(), error);
  }

  return {
    dispose: async () => {
      sockets.stop();
      await cleanup.dispose();
    },
  };
}
