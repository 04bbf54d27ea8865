import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import type { GraphQLOutcome } from "../observability/metrics";
import { loggableVariables } from "../observability/variable-redaction";
import type { GraphQLContext } from "./context";

function outcomeOf(codes: string[]): GraphQLOutcome {
  if (codes.length === 0) return "success";
  // A dependency lost (503) is the service's failure, not the client's: alerts on 5xx see it.
  if (codes.includes("INTERNAL_SERVER_ERROR") || codes.includes("SERVICE_UNAVAILABLE")) return "server_error";
  if (codes.includes("REQUEST_TIMEOUT")) return "timeout";
  return "client_error";
}

/** The codes of the errors as the client sees them (after formatError). */
function codesOf(errors: readonly GraphQLFormattedError[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? "UNKNOWN")))];
}

/**
 * Fills the request's record (operation, type, caller, outcome, error codes) for its log line
 * and metrics, and names its span `<type> <operationName>`. See server/request-scope.ts.
 */
export function observabilityPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const scope = contextValue.scope;
      if (!scope) return;
      return {
        async didResolveOperation({ operationName, operation, request, schema, document }) {
          if (!operation) return;
          // For debugging only; credentials are redacted by where they land in the schema,
          // whatever the client named its variables (observability/variable-redaction.ts).
          if (contextValue.logger.isLevelEnabled("trace")) {
            contextValue.logger.trace(
              {
                operation: operationName,
                variables: loggableVariables(schema, document, operation, request.variables),
              },
              "graphql operation",
            );
          }
          scope.record.operationName = operationName ?? null;
          scope.record.operationType = operation.operation;
          scope.span.setName(`${operation.operation} ${operationName ?? "anonymous"}`);
          scope.span.setAttributes({
            "graphql.operation.type": operation.operation,
            ...(operationName && { "graphql.operation.name": operationName }),
          });
        },
        async willSendResponse({ response }) {
          const { record } = scope;
          // A request that signs a user in (register, login, refreshToken) has recorded them already.
          record.userId = contextValue.auth.viewer?.user.id ?? record.userId;
          if (response.body.kind !== "single") return;
          const codes = codesOf(response.body.singleResult.errors);
          if (codes.length > 0) record.errorCodes = codes;
          // Once the deadline answered, the request stays a timeout whatever came later.
          if (record.outcome !== "timeout") record.outcome = outcomeOf(codes);
        },
      };
    },
  };
}
