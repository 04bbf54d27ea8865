import { GraphQLDateTime } from "graphql-scalars";
import { applyMiddleware, type IMiddlewareTypeMap } from "graphql-middleware";
import type { GraphQLSchema } from "graphql";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema, type ContainerType, type PubSub } from "type-graphql";
import { AdminResolver } from "./admin/admin.resolver";
import { UserAccountResolver } from "./admin/user-account.resolver";
import { AuditResolver } from "./audit/audit.resolver";
import { AuthResolver } from "./auth/auth.resolver";
import { permissions } from "./permissions/permissions";
import { applyMiddlewareToSubscribe } from "./permissions/subscribe-guard";
import { SessionEventResolver } from "./sessions/session-event.resolver";
import { SessionResolver } from "./sessions/session.resolver";
import { UserSessionsResolver } from "./sessions/user-sessions.resolver";
import { GdprResolver } from "./gdpr/gdpr.resolver";
import { RecoveryResolver } from "./recovery/recovery.resolver";
import { resolveUserReference } from "./users/user.reference";
import { LoginHistoryResolver } from "./users/login-history.resolver";
import { UserResolver } from "./users/user.resolver";
import { toSubgraphSchema } from "./subgraph";

/** The `i`th constructor argument of a resolver class. */
type Argument<
  T extends abstract new (
    ...args: any
  ) => unknown,
  I extends number = 0,
> = ConstructorParameters<T>[I];

/**
 * The services the resolvers call, as the resolvers' constructors declare them: the composition
 * root's services satisfy it, and this layer needs nothing else of the composition root.
 */
export interface SchemaServices {
  auth: Argument<typeof AuthResolver>;
  users: Argument<typeof UserResolver>;
  directory: Argument<typeof AdminResolver>;
  admin: Argument<typeof AdminResolver, 1>;
  adminPasswordReset: Argument<typeof AdminResolver, 2>;
  loginHistory: Argument<typeof LoginHistoryResolver>;
  auditLog: Argument<typeof AuditResolver>;
  sessions: Argument<typeof SessionResolver>;
  verification: Argument<typeof RecoveryResolver>;
  passwordReset: Argument<typeof RecoveryResolver, 1>;
  dataExport: Argument<typeof GdprResolver>;
  accountDeletion: Argument<typeof GdprResolver, 1>;
  /** Subscriptions listen on its PubSub. */
  sessionEvents: { pubSub: PubSub };
}

/** Resolver classes, each built once with its service (no container library needed). */
function resolverInstances(services: SchemaServices) {
  return new Map<unknown, unknown>([
    [AuthResolver, new AuthResolver(services.auth)],
    [UserResolver, new UserResolver(services.users)],
    [AdminResolver, new AdminResolver(services.directory, services.admin, services.adminPasswordReset)],
    [LoginHistoryResolver, new LoginHistoryResolver(services.loginHistory)],
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
  LoginHistoryResolver,
  SessionEventResolver,
  RecoveryResolver,
  GdprResolver,
] as const;

/** Type-GraphQL asks for a resolver instance only when a field resolves, never while building. */
function resolverContainer(services: SchemaServices | undefined): ContainerType {
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
export async function buildBareSchema(services?: SchemaServices): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    container: resolverContainer(services),
    validate: false,
    // Printing needs a PubSub to build the Subscription type; it never carries an event.
    pubSub: services?.sessionEvents.pubSub ?? createPubSub(),
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
  });
  return toSubgraphSchema(schema, { User: { __resolveReference: resolveUserReference } });
}

/**
 * The served schema: every field behind graphql-shield, closed unless a rule opens it; for
 * subscriptions both when they start and on every event.
 */
export async function buildGatewaySchema(services: SchemaServices) {
  const bare = await buildBareSchema(services);
  const middleware = permissions().generate(bare) as IMiddlewareTypeMap;
  return applyMiddlewareToSubscribe(applyMiddleware(bare, middleware), middleware);
}
