import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { Container } from "../container";
import { metricsRouter } from "../observability/metrics.route";
import { requestLog } from "../observability/request-log";
import { requestInfo, type GraphQLContext } from "./context";
import { errorLoggingPlugin, formatError } from "./errors.plugin";
import { withFieldGuards } from "./field-guards";
import { apolloHardening, corsPolicy, securityHeaders } from "./hardening";
import { healthRouter } from "./health";
import { httpErrorHandler, notFound } from "./http-errors";
import { observabilityPlugin } from "./plugins/observability.plugin";
import { requestId } from "./request-id";
import { requestScope, scopeOf } from "./request-scope";
import { buildGatewaySchema } from "./schema";

export interface Gateway {
  httpServer: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** First step of a shutdown: readiness answers 503 from now on. */
  beginShutdown(): void;
  /** Stops accepting connections and waits for in-flight requests (see shutdown.ts). */
  close(): Promise<void>;
}

/**
 * Share of the shutdown deadline (after the readiness delay) that in-flight HTTP requests may
 * use; the rest is for closing workers and clients.
 */
const HTTP_DRAIN_SHARE = 0.75;

/** The HTTP server: Express 5 with Apollo Server at /graphql and the health endpoints. */
export async function createGateway(container: Container): Promise<Gateway> {
  const { config, logger, authenticator, metrics, tracing } = container;
  const app = express();
  const httpServer = createServer(app);
  // A request must arrive whole within its deadline (slow-body clients hold no socket for long).
  httpServer.requestTimeout = config.requestTimeoutMs;
  let shuttingDown = false;

  app.disable("x-powered-by");
  if (config.http.trustProxy !== undefined) app.set("trust proxy", config.http.trustProxy);
  app.use(requestId);
  app.use(requestLog(logger, tracing));
  app.use(securityHeaders());
  app.use(
    healthRouter({
      required: {
        database: () => container.db.$queryRaw`SELECT 1`,
        redis: () => container.redis.ping(),
      },
      isShuttingDown: () => shuttingDown,
    }),
  );
  app.use(metricsRouter(metrics, config.metrics.token));

  const schema = withFieldGuards(
    await buildGatewaySchema(container.services, logger),
    config.hardening.limits.maxListSize,
  );
  const hardening = apolloHardening(config.hardening);
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Signals belong to main.ts's shutdown: Apollo's own handler would stop it and re-raise them.
    stopOnTerminationSignals: false,
    ...hardening,
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer,
        stopGracePeriodMillis: Math.floor(
          (config.shutdown.timeoutMs - config.shutdown.readinessDelayMs) * HTTP_DRAIN_SHARE,
        ),
      }),
      ApolloServerPluginLandingPageDisabled(),
      errorLoggingPlugin(logger),
      observabilityPlugin(),
      ...hardening.plugins,
    ],
  });
  await apollo.start();

  app.use(
    "/graphql",
    corsPolicy(config.hardening.corsOrigins),
    express.json({ limit: config.hardening.bodyLimit }),
    requestScope({ timeoutMs: config.requestTimeoutMs, metrics, tracing }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        ...requestInfo(req, logger),
        auth: await authenticator.authenticate(req.get("authorization")),
        scope: scopeOf(res),
      }),
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
