import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { Container } from "../container";
import { requestInfo, type GraphQLContext } from "./context";
import { errorLoggingPlugin, formatError } from "./errors.plugin";
import { healthRouter } from "./health";
import { requestId } from "./request-id";
import { buildGatewaySchema } from "./schema";

export interface Gateway {
  httpServer: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The HTTP server: Express 5 with Apollo Server at /graphql and the health endpoints. */
export async function createGateway(container: Container): Promise<Gateway> {
  const { config, logger, authenticator } = container;
  const app = express();
  const httpServer = createServer(app);
  let shuttingDown = false;

  app.disable("x-powered-by");
  if (config.http.trustProxy !== undefined) app.set("trust proxy", config.http.trustProxy);
  app.use(requestId);
  app.use(
    healthRouter({
      required: {
        database: () => container.db.$queryRaw`SELECT 1`,
        redis: () => container.redis.ping(),
      },
      isShuttingDown: () => shuttingDown,
    }),
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildGatewaySchema(container.services, logger),
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown. Apollo's own SIGTERM handler (on outside NODE_ENV=test) raced it and
    // left the process hanging after "shutting down" until it was killed.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      errorLoggingPlugin(logger),
    ],
  });
  await apollo.start();

  app.use(
    "/graphql",
    express.json({ limit: "100kb" }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        Object.assign(requestInfo(req, logger), {
          auth: await authenticator.authenticate(req.get("authorization")),
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
