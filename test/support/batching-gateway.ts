import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { Container } from "../../src/container";
import { requestInfo, type GraphQLContext } from "../../src/server/context";
import { formatError } from "../../src/server/errors.plugin";
import { buildGatewaySchema } from "../../src/server/schema";
import { createLoaders } from "../../src/users/user.loader";

/**
 * The gateway's own schema, permissions and context, served by an Apollo Server that accepts
 * batched HTTP requests (an array of operations), which the gateway itself does not (Apollo's
 * default). It shows that the limits hold when batching is switched on: they are counted per
 * operation inside the services, not per HTTP request. Same context as server/app.ts builds.
 */
export async function startBatchingGateway(container: Container) {
  const app = express();
  app.set("trust proxy", container.config.http.trustProxy ?? false);
  const httpServer = createServer(app);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: await buildGatewaySchema(container.services, container.logger),
    formatError,
    allowBatchedHttpRequests: true,
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        ...requestInfo(req, container.logger),
        auth: await container.authenticator.authenticate(req.get("authorization")),
        loaders: createLoaders(container.repositories),
      }),
    }),
  );
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await apollo.stop();
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
