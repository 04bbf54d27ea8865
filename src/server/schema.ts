import { GraphQLDateTime } from "graphql-scalars";
import { applyMiddleware } from "graphql-middleware";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type ContainerType } from "type-graphql";
import { AuthResolver } from "../auth/auth.resolver";
import { permissions } from "../authz/permissions";
import type { Logger } from "../infra/logger";
import { resolveUserReference } from "../users/user.reference";
import { UserResolver } from "../users/user.resolver";
import type { Services } from "../container";
import { toSubgraphSchema } from "./subgraph";

/** Resolver classes, each built once with its service (no container library needed). */
function resolverInstances(services: Services) {
  return new Map<unknown, unknown>([
    [AuthResolver, new AuthResolver(services.auth)],
    [UserResolver, new UserResolver(services.users)],
  ]);
}

export const RESOLVERS = [AuthResolver, UserResolver] as const;

/** Type-GraphQL asks for a resolver instance only when a field resolves, never while building. */
function resolverContainer(services: Services | undefined): ContainerType {
  if (!services) {
    return {
      get: () => {
        throw new Error("this schema was built without services: it can be printed, not executed");
      },
    };
  }
  const instances = resolverInstances(services);
  return { get: (resolverClass) => instances.get(resolverClass) };
}

/**
 * The Federation 2 subgraph without permissions: for the SDL (`npm run codegen`, which needs no
 * services and opens no connection) and for the permission-table check.
 */
export async function buildBareSchema(services?: Services): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    container: resolverContainer(services),
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
  });
  return toSubgraphSchema(schema, { User: { __resolveReference: resolveUserReference } });
}

/** The served schema: every field behind graphql-shield, closed unless a rule opens it. */
export async function buildGatewaySchema(services: Services, logger: Logger) {
  return applyMiddleware(await buildBareSchema(services), permissions(logger));
}
