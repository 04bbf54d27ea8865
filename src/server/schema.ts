import { GraphQLDateTime } from "graphql-scalars";
import { applyMiddleware } from "graphql-middleware";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type ContainerType } from "type-graphql";
import { AuthResolver } from "../auth/auth.resolver";
import { permissions } from "../authz/permissions";
import type { Logger } from "../infra/logger";
import { UserResolver } from "../users/user.resolver";
import type { Services } from "../container";

/** Resolver classes, each built once with its service (no container library needed). */
function resolverInstances(services: Services) {
  return new Map<unknown, unknown>([
    [AuthResolver, new AuthResolver(services.auth)],
    [UserResolver, new UserResolver(services.users)],
  ]);
}

export const RESOLVERS = [AuthResolver, UserResolver] as const;

/** The schema without permissions: for SDL output and for the permission-table check. */
export async function buildBareSchema(services: Services): Promise<GraphQLSchema> {
  const instances = resolverInstances(services);
  const container: ContainerType = { get: (resolverClass) => instances.get(resolverClass) };
  return buildSchema({
    resolvers: [...RESOLVERS],
    container,
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
  });
}

/** The served schema: every field behind graphql-shield, closed unless a rule opens it. */
export async function buildGatewaySchema(services: Services, logger: Logger) {
  return applyMiddleware(await buildBareSchema(services), permissions(logger));
}
