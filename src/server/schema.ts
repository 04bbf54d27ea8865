import { GraphQLDateTime } from "graphql-scalars";
import { applyMiddleware, type IMiddlewareTypeMap } from "graphql-middleware";
import type { GraphQLSchema } from "graphql";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema, type ContainerType } from "type-graphql";
import { AdminResolver } from "../admin/admin.resolver";
import { UserAccountResolver } from "../admin/user-account.resolver";
import { AuditResolver } from "../audit/audit.resolver";
import { AuthResolver } from "../auth/auth.resolver";
import { permissions } from "../authz/permissions";
import { applyMiddlewareToSubscribe } from "../authz/subscribe-guard";
import type { Logger } from "../infra/logger";
import { SessionEventResolver } from "../sessions/session-event.resolver";
import { SessionResolver } from "../sessions/session.resolver";
import { UserSessionsResolver } from "../sessions/user-sessions.resolver";
import { GdprResolver } from "../gdpr/gdpr.resolver";
import { RecoveryResolver } from "../recovery/recovery.resolver";
import { resolveUserReference } from "../users/user.reference";
import { LoginHistoryResolver } from "../users/login-history.resolver";
import { UserResolver } from "../users/user.resolver";
import type { AdminPasswordResetService } from "../admin/admin-password-reset.service";
import type { UserAdminService } from "../admin/user-admin.service";
import type { UserDirectoryService } from "../admin/user-directory.service";
import type { AuditLogService } from "../audit/audit.service";
import type { AuthService } from "../auth/auth.service";
import type { AccountDeletionService } from "../gdpr/account-deletion.service";
import type { DataExportService } from "../gdpr/data-export.service";
import type { EmailVerificationService } from "../recovery/email-verification.service";
import type { PasswordResetService } from "../recovery/password-reset.service";
import type { SessionEventBus } from "../sessions/session-event.bus";
import type { SessionService } from "../sessions/session.service";
import type { LoginHistoryService } from "../users/login-history.service";
import type { UserService } from "../users/user.service";
import { toSubgraphSchema } from "./subgraph";

/** The services the resolvers (and the WebSocket server) call; the composition root builds them. */
export interface Services {
  auth: AuthService;
  users: UserService;
  sessions: SessionService;
  verification: EmailVerificationService;
  passwordReset: PasswordResetService;
  dataExport: DataExportService;
  accountDeletion: AccountDeletionService;
  directory: UserDirectoryService;
  admin: UserAdminService;
  auditLog: AuditLogService;
  adminPasswordReset: AdminPasswordResetService;
  loginHistory: LoginHistoryService;
  sessionEvents: SessionEventBus;
}

/** Resolver classes, each built once with its service (no container library needed). */
function resolverInstances(services: Services) {
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
export async function buildGatewaySchema(services: Services, logger: Logger) {
  const bare = await buildBareSchema(services);
  const middleware = permissions(logger).generate(bare) as IMiddlewareTypeMap;
  return applyMiddlewareToSubscribe(applyMiddleware(bare, middleware), middleware);
}
