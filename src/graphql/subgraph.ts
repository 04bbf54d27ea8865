import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { execute, parse, type GraphQLSchema } from "graphql";
import { createResolversMap } from "type-graphql";

/**
 * The Federation 2 version this subgraph links to, and the directives it imports. Type-GraphQL's
 * `@Directive` puts the directives on the types (`@key` on User, `@shareable` on value types such as
 * PageInfo); this link makes them federation's.
 */
export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';

/** Reference resolvers by type name: `{ User: { __resolveReference } }`. */
export type ReferenceResolvers = Record<string, { __resolveReference: (...args: any[]) => unknown }>;

/**
 * Turns the schema Type-GraphQL built into a Federation 2 subgraph, as Type-GraphQL's
 * apollo-federation-2 example does: print it with its directives, let @apollo/subgraph build the
 * subgraph from that SDL (adding `_service`, `_entities`, `_Any`, `_Entity`), and put the resolvers
 * Type-GraphQL made back in, together with the reference resolvers.
 */
export function toSubgraphSchema(
  schema: GraphQLSchema,
  referenceResolvers: ReferenceResolvers,
): GraphQLSchema {
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  const resolvers: Record<string, any> = createResolversMap(schema);
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...reference };
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

/**
 * The subgraph SDL exactly as `_service { sdl }` serves it to a router or to Rover: the types with
 * their descriptions and federation directives, without federation's own definitions.
 */
export async function subgraphSdl(schema: GraphQLSchema): Promise<string> {
  const result = await execute({ schema, document: parse("{ _service { sdl } }") });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (result.errors?.length || typeof sdl !== "string") {
    throw new Error(`could not read the subgraph SDL: ${JSON.stringify(result.errors)}`);
  }
  return sdl;
}
