import { GraphQLDateTime } from "graphql-scalars";
import { applyMiddleware, type IMiddlewareTypeMap } from "graphql-middleware";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type ContainerType } from "type-graphql";
import { AdminResolver } from "../admin/admin.resolver";
import { UserAccountResolver } from "../admin/user-account.resolver";
import { AuditResolver } from "../audit/audit.resolver";
import { AuthResolver } from "../auth/auth.resolver";
import { permissions } from "../authz/permissions";
import { applyMiddlewareToSubscribe } from "../authz/subscriptions";
import type { Logger } from "../infra/logger";
import { SessionEventResolver } from "../sessions/session-event.resolver";
import { SessionResolver } from "../sessions/session.resolver";
import { UserSessionsResolver } from "../sessions/user-sessions.resolver";
import { GdprResolver } from "../gdpr/gdpr.resolver";
import { RecoveryResolver } from "../recovery/recovery.resolver";
import { UserResolver } from "../users/user.resolver";
import type { Services } from "../container";

/** Resolver classes, each built once with its service (no container library needed). */
function resolverInstances(services: Services) {
  return new Map<unknown, unknown>([
    [AuthResolver, new AuthResolver(services.auth)],
    [UserResolver, new UserResolver(services.users)],
    [AdminResolver, new AdminResolver(services.directory, services.admin)],
    [UserAccountResolver, new UserAccountResolver()],
    [AuditResolver, new AuditResolver(services.auditLog)],
    [SessionResolver, new SessionResolver(services.sessions)],
    [UserSessionsResolver, new UserSessionsResolver(services.sessions)],
    [SessionEventResolver, new SessionEventResolver()],
    [RecoveryResolver, new RecoveryResolver(services.verification, services.passwordReset)],
    [GdprResolver, new GdprResolver(services.dataExport, services.accountDeletion)],
  ]);
}

export const RESOLVERS = [
  AuthResolver,
  UserResolver,
  AdminResolver,
  UserAccountResolver,
  AuditResolver,
  SessionResolver,
  UserSessionsResolver,
  SessionEventResolver,
  RecoveryResolver,
  GdprResolver,
] as const;

/** The schema without permissions: for SDL output and for the permission-table check. */
export async function buildBareSchema(services: Services): Promise<GraphQLSchema> {
  const instances = resolverInstances(services);
  const container: ContainerType = { get: (resolverClass) => instances.get(resolverClass) };
  return buildSchema({
    resolvers: [...RESOLVERS],
    container,
    validate: false,
    pubSub: services.sessionEvents.pubSub,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
  });
}

/**
 * The served schema: every field behind graphql-shield, closed unless a rule opens it; for
 * subscriptions both when they start and on every event.
 */
export async function buildGatewaySchema(services: Services, logger: Logger) {
  const bare = await buildBareSchema(services);
  const middleware = permissions(logger).generate(bare) as IMiddlewareTypeMap;
  return applyMiddlewareToSubscribe(applyMiddleware(bare, middleware), middleware);
}
