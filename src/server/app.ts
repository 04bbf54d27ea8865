import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import { jwksRouter } from "../auth/jwks.router";
import type { Container } from "../container";
import { createLoaders } from "../users/user.loader";
import { loadPlaygroundAssets } from "../playground/playground.assets";
import { playgroundRouter } from "../playground/playground.router";
import { requestInfo, type GraphQLContext } from "./context";
import { errorLoggingPlugin, formatError } from "./errors.plugin";
import { healthRouter } from "./health";
import { requestId } from "./request-id";
import { buildGatewaySchema } from "./schema";
import { createSubscriptionServer } from "./subscriptions";

export interface Gateway {
  httpServer: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/**
 * The HTTP server: Express 5 with Apollo Server at /graphql, graphql-ws subscriptions on the same
 * path, and the health endpoints.
 */
export async function createGateway(container: Container): Promise<Gateway> {
  const { config, logger, authenticator } = container;
  const app = express();
  const httpServer = createServer(app);
  let shuttingDown = false;

  app.disable("x-powered-by");
  if (config.http.trustProxy !== undefined) app.set("trust proxy", config.http.trustProxy);
  app.use(requestId);
  app.use(jwksRouter(container.tokens));
  app.use(
    healthRouter({
      required: {
        database: () => container.db.$queryRaw`SELECT 1`,
        redis: () => container.redis.ping(),
      },
      // Kafka down never fails a request (events wait in the outbox), so it never fails readiness.
      optional: {
        kafka: async () => container.relay.brokerState(),
      },
      isShuttingDown: () => shuttingDown,
    }),
  );

  const schema = await buildGatewaySchema(container.services, logger);
  const subscriptions = createSubscriptionServer(
    httpServer,
    schema,
    container,
    app.get("trust proxy fn"),
  );
  // GraphiQL for browsers on GET /graphql (src/playground); everything else goes on to Apollo.
  if (config.playground.enabled) {
    app.use(playgroundRouter({ endpoint: "/graphql", schema, assets: loadPlaygroundAssets(), logger }));
  }

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.hardening.introspection,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT: it drains HTTP, stops the relay, then closes the clients.
    // Apollo's own handler would stop the server behind its back and hang that sequence.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      ApolloServerPluginLandingPageDisabled(),
      // A subgraph would otherwise attach federated traces (ftv1) for any client that asks;
      // we report to no Apollo GraphOS, so none are made.
      ApolloServerPluginInlineTraceDisabled(),
      errorLoggingPlugin(logger),
    ],
  });
  await apollo.start();

  app.use(
    "/graphql",
    express.json({ limit: "100kb" }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        ...requestInfo(req, logger),
        auth: await authenticator.authenticate(req.get("authorization")),
        loaders: createLoaders(container.repositories),
      }),
    }),
  );

  return {
    httpServer,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => resolve(httpServer.address() as AddressInfo));
      });
    },
    async close() {
      shuttingDown = true;
      await apollo.stop();
    },
  };
}
