import { composeServices } from "@apollo/composition";
import { composeServices as composeServicesTheGuildsWay } from "@theguild/federation-composition";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { parse } from "graphql";
import { GraphQLClient } from "./graphql-client";

/** Apollo's logger interface, quiet: the tests assert on answers, not on library chatter. */
export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface SubgraphDefinition {
  name: string;
  url: string;
  sdl: string;
}

/** Who composes: Apollo's composition (Rover, GraphOS) or The Guild's (Hive, Hive Gateway). */
export type Composer = "apollo" | "the-guild";

/**
 * Composes subgraphs into a supergraph with @apollo/composition, as Rover or GraphOS would, or
 * with @theguild/federation-composition, as Hive does. Composition errors throw, with every
 * message, so a test that composes fails on them.
 */
export function composeSupergraph(subgraphs: SubgraphDefinition[], composer: Composer = "apollo"): string {
  const services = subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));
  const result = composer === "apollo" ? composeServices(services) : composeServicesTheGuildsWay(services);
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
  return result.supergraphSdl!;
}

export interface TestGateway {
  url: string;
  client: GraphQLClient;
  stop(): Promise<void>;
}

/**
 * Runs @apollo/gateway in this process over a static supergraph, forwarding the caller's
 * Authorization header to every subgraph (as the Apollo Router's `headers: propagate` does).
 */
export async function startGateway(supergraphSdl: string): Promise<TestGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: silentLogger,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set("authorization", context.authorization);
        },
      }),
  });
  const server = new ApolloServer<{ authorization?: string }>({
    gateway: gateway as never,
    logger: silentLogger,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, client: new GraphQLClient(url), stop: () => server.stop() };
}
