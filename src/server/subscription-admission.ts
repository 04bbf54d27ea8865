import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from "graphql";
import { errors } from "../core/errors";
import { toGraphQLError } from "../graphql/errors";
import { loggableVariables } from "../observability/variable-redaction";
import type { GraphQLContext } from "../graphql/context";
import type { PreparedOperation, RequestPolicy } from "../graphql/request-policy";

/** What admission needs to know about one graphql-ws connection. */
export interface AdmissionState {
  /** Cost (graphql-armor) of each subscription the connection holds, by operation id. */
  costs: Map<string, number>;
}

export interface AdmissionLimits {
  /** Operations one connection may hold at once (GRAPHQL_WS_MAX_SUBSCRIPTIONS). */
  maxSubscriptions: number;
}

/**
 * Decides whether one graphql-ws `subscribe` message may run, and prepares it: the shared request
 * policy first (the same parsing and validation as HTTP, so a document HTTP refuses is refused
 * here too), then the connection's caps. Everything it refuses is returned as errors, which
 * graphql-ws sends as an `error` message for that operation only: the socket and its other
 * subscriptions go on.
 *
 * Caps, so that one socket cannot cost more per event than one HTTP request may:
 * - at most `maxSubscriptions` operations on the connection;
 * - the graphql-armor costs of the connection's subscriptions add up to at most GRAPHQL_MAX_COST.
 *   Each delivered event executes each subscription's document once, so the work one event causes
 *   on one connection is bounded by the same cost an HTTP request is, and per user by that times
 *   GRAPHQL_WS_MAX_CONNECTIONS_PER_USER.
 */
export function admitSubscription(
  schema: GraphQLSchema,
  policy: RequestPolicy,
  limits: AdmissionLimits,
  state: AdmissionState,
  operation: {
    id: string;
    payload: unknown;
    /** The ids of the operations the connection holds now, this one included. */
    open: readonly string[];
    context: () => GraphQLContext;
  },
): ExecutionArgs | readonly GraphQLError[] {
  // Counted first: a flood of subscribe messages is refused before any of it is parsed.
  if (operation.open.length > limits.maxSubscriptions) {
    return [
      toGraphQLError(errors.tooManySubscriptions("subscriptionsPerConnection", limits.maxSubscriptions)),
    ];
  }
  const prepared = policy.prepare(schema, (operation.payload ?? {}) as Record<string, unknown>);
  if (Array.isArray(prepared)) return prepared;
  const { document, operation: definition, operationName, variables, cost } = prepared as PreparedOperation;
  // Only operations still open count: a completed one's share is free at once.
  let spent = cost;
  for (const id of operation.open) spent += state.costs.get(id) ?? 0;
  if (spent > policy.maxCost) {
    return [toGraphQLError(errors.tooManySubscriptions("costPerConnection", policy.maxCost))];
  }
  state.costs.set(operation.id, cost);
  const contextValue = operation.context();
  if (contextValue.logger.isLevelEnabled("trace")) {
    contextValue.logger.trace(
      {
        operation: operationName ?? definition.name?.value,
        variables: loggableVariables(schema, document, definition, variables),
      },
      "graphql operation",
    );
  }
  return {
    schema,
    document,
    operationName,
    variableValues: variables,
    contextValue,
    hideSuggestions: policy.hideSuggestions,
  } as ExecutionArgs;
}
