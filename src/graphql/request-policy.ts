import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Config } from "../config";

/** What a request asks for, whichever transport carried it. */
export interface OperationRequest {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** A request that passed parsing and validation. */
export interface PreparedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName?: string;
  variables?: Record<string, unknown>;
  /** graphql-armor's cost of the document: a bound on the work one execution of it does. */
  cost: number;
}

const SUGGESTION = / ?Did you mean(.+?)\?$/;

function requestError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * The one set of rules every GraphQL request passes before it runs, whichever transport brought
 * it (Apollo over HTTP, graphql-ws over WebSocket): graphql-js's parser with the token limit,
 * graphql-js's validation with graphql-armor's limits (depth, aliases, directives, cost),
 * introspection refused unless enabled, and no "Did you mean …" suggestions unless introspection
 * is on (they name fields the schema would otherwise hide). Apollo receives these options
 * (`apolloOptions`); the WebSocket server calls `prepare`, which applies the same ones the way
 * Apollo does (parse errors GRAPHQL_PARSE_FAILED, validation errors GRAPHQL_VALIDATION_FAILED).
 * Argument checks (list sizes, text, nesting) are field middleware (field-guards.ts) and error
 * masking is errors.ts: both serve both transports from the schema and the formatter.
 */
export class RequestPolicy {
  readonly parseOptions: ParseOptions;
  /** Rules run after graphql-js's specified rules. */
  readonly validationRules: ValidationRule[];
  readonly hideSuggestions: boolean;
  readonly maxCost: number;
  private readonly costs = new WeakMap<DocumentNode, number>();

  constructor(hardening: Config["hardening"]) {
    const { limits } = hardening;
    this.maxCost = limits.maxCost;
    this.parseOptions = { maxTokens: limits.maxTokens };
    this.hideSuggestions = !hardening.introspection;
    const record = (context: ValidationContext | null, details: { n?: number }) => {
      if (context && details.n !== undefined) this.costs.set(context.getDocument(), details.n);
    };
    const armor = new ApolloArmor({
      maxDepth: { n: limits.maxDepth },
      maxAliases: { n: limits.maxAliases },
      // graphql-armor's token limit parses in Apollo's parsingDidStart, where any syntax error
      // becomes a 500; graphql-js's own `maxTokens` (parseOptions) gives GRAPHQL_PARSE_FAILED.
      maxTokens: { enabled: false },
      costLimit: { maxCost: limits.maxCost, onAccept: [record] },
      maxDirectives: { n: limits.maxDirectives },
      // Suggestions are hidden by graphql-js itself (hideSuggestions), see above.
      blockFieldSuggestion: { enabled: false },
    }).protect();
    this.validationRules = [
      ...armor.validationRules,
      ...(hardening.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ];
  }

  /** The cost graphql-armor found for a document this policy validated. */
  costOf(document: DocumentNode): number {
    return this.costs.get(document) ?? 0;
  }

  /** Removes a trailing "Did you mean …?" from an error message when suggestions are hidden. */
  withoutSuggestions(message: string): string {
    return this.hideSuggestions ? message.replace(SUGGESTION, "") : message;
  }

  /**
   * Parses and validates a request as Apollo does over HTTP; the errors are ready to send (each
   * with its code), and never thrown: one bad operation is that operation's problem only.
   */
  prepare(schema: GraphQLSchema, request: OperationRequest): PreparedOperation | GraphQLError[] {
    const { query, operationName, variables } = request;
    if (typeof query !== "string" || query.length === 0) {
      return [requestError("The operation has no query.", "BAD_REQUEST")];
    }
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
      return [requestError("operationName must be a string.", "BAD_REQUEST")];
    }
    if (
      variables !== undefined &&
      variables !== null &&
      (typeof variables !== "object" || Array.isArray(variables))
    ) {
      return [requestError("variables must be an object.", "BAD_REQUEST")];
    }
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : "Syntax Error.";
      return [requestError(message, "GRAPHQL_PARSE_FAILED")];
    }
    const errors = validate(schema, document, [...specifiedRules, ...this.validationRules], {
      hideSuggestions: this.hideSuggestions,
    });
    if (errors.length > 0) {
      return errors.map(
        (error) =>
          new GraphQLError(this.withoutSuggestions(error.message), {
            nodes: error.nodes,
            extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
          }),
      );
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) {
      return [
        requestError(
          operationName
            ? `Unknown operation named "${operationName}".`
            : "Could not tell which operation to run.",
          "OPERATION_RESOLUTION_FAILURE",
        ),
      ];
    }
    return {
      document,
      operation,
      operationName: operationName ?? undefined,
      variables: (variables ?? undefined) as Record<string, unknown> | undefined,
      cost: this.costOf(document),
    };
  }

  /**
   * Apollo Server's options for the same rules. Apollo's own `introspection: false` would add a
   * second introspection rule of its own: the policy's rule is in `validationRules`, so Apollo is
   * told introspection is on and the rule decides.
   */
  apolloOptions() {
    return {
      parseOptions: this.parseOptions,
      validationRules: this.validationRules,
      introspection: true,
      hideSchemaDetailsFromClientErrors: this.hideSuggestions,
    };
  }
}
