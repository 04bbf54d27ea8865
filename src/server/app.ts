import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import proxyAddr from "proxy-addr";
import { jwksRouter } from "./jwks.route";
import type { Authenticator } from "../auth/authenticator";
import type { TokenService } from "../auth/token.service";
import type { Config } from "../config";
import type { Database } from "../infra/prisma";
import type { RedisClient } from "../infra/redis";
import type { Logger } from "../infra/logger";
import type { Metrics } from "../observability/metrics";
import type { Tracing } from "../observability/tracing";
import type { OutboxRelay } from "../outbox/outbox.relay";
import { metricsRouter } from "./metrics.route";
import { requestLog } from "./request-log";
import { loadPlaygroundAssets } from "../playground/playground.assets";
import { playgroundOffRouter, prefersHtml } from "../playground/playground-off";
import { playgroundRouter } from "../playground/playground.router";
import { createLoaders } from "../graphql/users/user.loader";
import type { GraphQLContext, RequestScope } from "../graphql/context";
import { errorFormatter, errorLoggingPlugin } from "../graphql/errors";
import { withFieldGuards } from "../graphql/field-guards";
import { observabilityPlugin } from "../graphql/observability.plugin";
import { RequestPolicy } from "../graphql/request-policy";
import { buildGatewaySchema, type SchemaServices } from "../graphql/schema";
import { SDL_SECRET_HEADER, subgraphSdlPolicy } from "./federation-sdl";
import { graphqlHttpHandler } from "./graphql-http";
import { apolloHardening, corsPolicy, securityHeaders } from "./hardening";
import { healthRouter } from "./health";
import { authenticateOrUnavailable } from "./dependency-outage";
import {
  DatabaseProblem,
  migrationProblem,
  readAppliedMigrations,
  shippedMigrations,
} from "../db/database-check";
import { httpErrorHandler, notFound } from "./http-errors";
import { noStorePlugin } from "./no-store.plugin";
import { requestId } from "./request-id";
import { lazyRequestInfo, requestInfo, type RequestInfo, type TrustProxy } from "./request-info";
import { requestScope, scopeOf } from "./request-scope";
import { createSubscriptionServer, type SubscriptionServerParts } from "./subscriptions";

export interface Gateway {
  httpServer: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** First step of a shutdown: readiness answers 503 from now on. */
  beginShutdown(): void;
  /**
   * Stops accepting connections, closes WebSocket clients with a close frame and waits for
   * in-flight HTTP requests (see shutdown.ts).
   */
  close(): Promise<void>;
}

/**
 * Share of the shutdown deadline (after the readiness delay) that in-flight HTTP requests may
 * use; the rest is for closing workers and clients.
 */
const HTTP_DRAIN_SHARE = 0.75;

/**
 * The HTTP server: Express 5 with Apollo Server at /graphql, graphql-ws subscriptions and the
 * playground on the same path, the JWKS, metrics and health endpoints.
 */
/** The parts of the composition root the HTTP app (and its WebSocket server) use. */
export interface GatewayParts extends SubscriptionServerParts {
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  metrics: Metrics;
  tracing: Tracing;
  /** For readiness: a database and a Redis ping, the relay's broker state. */
  db: Database;
  redis: RedisClient;
  relay: Pick<OutboxRelay, "brokerState">;
  tokens: TokenService;
  /** The resolvers' services, and the session event bus the WebSocket server listens on. */
  services: SchemaServices & SubscriptionServerParts["services"];
}

export async function createGateway(container: GatewayParts): Promise<Gateway> {
  const { config, logger, authenticator, metrics, tracing } = container;
  const app = express();
  // The GraphQL hot path is served without Express once Apollo has started (see below).
  let graphqlHttp: ReturnType<typeof graphqlHttpHandler> | undefined;
  const httpServer = createServer((req, res) => {
    if (graphqlHttp?.handles(req)) graphqlHttp.serve(req, res);
    else app(req, res);
  });
  // A request must arrive whole within its deadline (slow-body clients hold no socket for long).
  httpServer.requestTimeout = config.requestTimeoutMs;
  let shuttingDown = false;

  app.disable("x-powered-by");
  if (config.http.trustProxy !== undefined) app.set("trust proxy", config.http.trustProxy);
  app.use(requestId);
  app.use(requestLog(logger, tracing));
  const helmetHeaders = securityHeaders();
  app.use(helmetHeaders);
  const shipped = shippedMigrations();
  app.use(
    healthRouter({
      required: {
        // Up means: answers, and has this release's migrations (without them no request works).
        database: async () => {
          const applied = await readAppliedMigrations((sql) => container.db.$queryRawUnsafe(sql));
          const problem = migrationProblem(applied, shipped);
          if (problem) throw problem;
        },
        redis: () => container.redis.ping(),
      },
      // Kafka down never fails a request (events wait in the outbox), so it never fails readiness.
      optional: {
        kafka: async () => container.relay.brokerState(),
      },
      isShuttingDown: () => shuttingDown,
      // Our own diagnoses (never a driver's message, which may name internals) say what to do.
      explain: (error) => (error instanceof DatabaseProblem ? error.message : undefined),
    }),
  );
  app.use(metricsRouter(metrics, config.metrics.token));
  app.use(jwksRouter(container.tokens));

  // One schema for HTTP and WebSocket: permissions and field guards apply to both.
  const schema = withFieldGuards(await buildGatewaySchema(container.services), {
    maxListSize: config.hardening.limits.maxListSize,
    // Input values nest no deeper than selections may.
    maxDepth: config.hardening.limits.maxDepth,
  });
  // One set of request rules for both transports (parsing, validation, suggestions, masking).
  const policy = new RequestPolicy(config.hardening);
  const formatError = errorFormatter(policy);
  const subscriptions = createSubscriptionServer(httpServer, schema, container, {
    trustProxy: app.get("trust proxy fn"),
    policy,
    formatError,
  });
  // CORS first on /graphql: its preflight answer must not be Express's automatic OPTIONS reply
  // for the playground's GET route.
  const cors = corsPolicy(
    config.hardening.corsOrigins,
    // A refused preflight is a bare 204: in development, say why in the log, once per origin.
    config.env === "development"
      ? (origin) =>
          logger.warn(
            { origin, allowed: config.hardening.corsOrigins },
            `CORS: browsers at ${origin} may not call this gateway; add the origin to CORS_ORIGINS`,
          )
      : undefined,
    app.get("trust proxy fn"),
  );
  app.use("/graphql", cors);
  // GraphiQL for browsers on GET /graphql (src/playground), and GET / leading there; when it is
  // off, browsers get a page saying how to turn it on. Everything else goes on to Apollo.
  if (config.playground.enabled) {
    app.use(playgroundRouter({ endpoint: "/graphql", schema, assets: loadPlaygroundAssets(), logger }));
  } else {
    app.use(playgroundOffRouter("/graphql"));
  }

  const hardening = apolloHardening(config.hardening, policy);
  const subgraphSdlAllowed = subgraphSdlPolicy(config.federation);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Signals belong to main.ts's shutdown: Apollo's own handler would stop it and re-raise them.
    stopOnTerminationSignals: false,
    ...hardening,
    plugins: [
      // WebSocket clients first: they get a close frame (1001) before HTTP draining begins.
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: Math.floor(
          (config.shutdown.timeoutMs - config.shutdown.readinessDelayMs) * HTTP_DRAIN_SHARE,
        ),
      }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces would let any client ask for timing data of every resolver.
      ApolloServerPluginInlineTraceDisabled(),
      // The schema has no cache hints: Apollo's cache-control plugin would wrap every field
      // resolver to compute a policy that is always "uncacheable"; noStorePlugin sends its header.
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
      errorLoggingPlugin(logger, container.outages),
      observabilityPlugin(),
    ],
  });
  await apollo.start();

  const scopeOptions = { timeoutMs: config.requestTimeoutMs, metrics, tracing };
  const trustProxy = app.get("trust proxy fn") as TrustProxy;
  const header = (req: IncomingMessage, name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  // Object.assign keeps the lazy logger lazy (a spread would build it now).
  const contextOf = async (req: IncomingMessage, info: RequestInfo, scope: RequestScope | undefined) =>
    Object.assign(info, {
      auth: await authenticateOrUnavailable(container, header(req, "authorization")),
      loaders: createLoaders(container.repositories),
      scope,
      subgraphSdlAllowed: () => subgraphSdlAllowed(header(req, SDL_SECRET_HEADER)),
    });
  // POST with a JSON body, and GET: the lean path (graphql-http.ts), the same steps without Express.
  graphqlHttp = graphqlHttpHandler({
    endpoint: "/graphql",
    // A browser asking for a page goes to Express: the playground, or the page saying it is off.
    isPlayground: (req) => prefersHtml(req),
    apollo,
    logger,
    tracing,
    scope: scopeOptions,
    bodyLimit: config.hardening.bodyLimit,
    cors,
    securityHeaders: helmetHeaders,
    context: ({ req, requestId, scope }) =>
      contextOf(
        req,
        lazyRequestInfo(requestId, proxyAddr(req, trustProxy), header(req, "user-agent"), logger),
        scope,
      ),
  });
  // Everything else on /graphql (the preflight, other content types) through Express.
  app.use(
    "/graphql",
    express.json({ limit: config.hardening.bodyLimit }),
    requestScope(scopeOptions),
    expressMiddleware(apollo, {
      context: ({ req, res }) => contextOf(req, requestInfo(req, logger), scopeOf(res)),
    }),
  );
  app.use(notFound);
  app.use(httpErrorHandler(logger, config.hardening.bodyLimit));

  return {
    httpServer,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => resolve(httpServer.address() as AddressInfo));
      });
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async close() {
      shuttingDown = true;
      await apollo.stop();
    },
  };
}
