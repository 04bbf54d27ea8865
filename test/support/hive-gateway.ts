import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createGatewayRuntime,
  getGraphQLWSOptions,
  type GatewayConfigSupergraph,
} from "@graphql-hive/gateway-runtime";
import httpTransport from "@graphql-mesh/transport-http";
import wsTransport from "@graphql-mesh/transport-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { GraphQLClient } from "./graphql-client";

export interface HiveGateway {
  /** The router's GraphQL endpoint (HTTP; ws:// on the same path). */
  url: string;
  client: GraphQLClient;
  stop(): Promise<void>;
}

/**
 * Hive Gateway's runtime (@graphql-hive/gateway-runtime) over a supergraph, served on Node's HTTP
 * server with graphql-ws for client subscriptions, as its docs set it up without the CLI. The
 * transports are handed over as modules: the runtime's default loads them with import(), which
 * jest's CommonJS sandbox cannot run.
 */
export async function startHiveGateway(
  supergraph: string,
  config: Partial<GatewayConfigSupergraph>,
): Promise<HiveGateway> {
  const gateway = createGatewayRuntime({
    ...config,
    supergraph,
    logging: false,
    transports: { http: httpTransport, ws: wsTransport },
  } as GatewayConfigSupergraph);
  // Loaded before serving: a first request that is a subscription over WebSocket would otherwise
  // meet no schema yet ("Expected null to be a GraphQL schema").
  await gateway.getSchema();
  const server = createServer(gateway);
  const wsServer = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  const ws = useServer(
    getGraphQLWSOptions<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket }>(
      gateway,
      (ctx) => ({ req: ctx.extra.request, socket: ctx.extra.socket }),
    ),
    wsServer,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${gateway.graphqlEndpoint}`;
  return {
    url,
    client: new GraphQLClient(url),
    async stop() {
      await ws.dispose();
      await gateway.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
