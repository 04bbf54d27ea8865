import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { AppError, errors, SERVICE_RETRY_AFTER_SECONDS } from "../core/errors";
import { unavailableDependency, type Dependency } from "../infra/dependency-errors";
import type { OutageTracker } from "../infra/outage";
import type { Logger } from "../infra/logger";
import type { GraphQLContext } from "./context";

// The one place where errors become what a GraphQL client reads, on every transport (HTTP,
// graphql-ws, `_entities`): an AppError of the catalog (core/errors.ts) is shown as it is, with
// `extensions` { code, ...details } (also in the answers server/http-errors.ts gives outside
// GraphQL); errors about the request itself pass; everything else is masked: a lost database or
// Redis as SERVICE_UNAVAILABLE (told to the outage tracker), anything else as
// INTERNAL_SERVER_ERROR, logged with the request id.

/** What a client reads in `extensions` for an AppError: its code, then its details. */
export function extensionsOf(error: AppError): Record<string, unknown> {
  return { code: error.code, ...error.details };
}

/**
 * An AppError as a GraphQLError, for the places that must hand graphql-js or graphql-ws a
 * GraphQLError themselves (a refused subscription); resolvers simply throw the AppError.
 */
export function toGraphQLError(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { ...extensionsOf(error), ...httpOf(error) } as Record<string, unknown>,
  });
}

/**
 * What Apollo Server reads for the HTTP answer of a GraphQL response that carries this error
 * (and leaves out of the body): SERVICE_UNAVAILABLE is 503 with Retry-After.
 */
function httpOf(error: AppError): { http?: { status: number; headers: Map<string, string> } } {
  if (error.code !== "SERVICE_UNAVAILABLE") return {};
  return {
    http: { status: 503, headers: new Map([["retry-after", String(error.details.retryAfterSeconds)]]) },
  };
}

/** The AppError behind what graphql-js or Apollo hands us (a located error wraps it), if any. */
export function appErrorOf(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original;
  if (error instanceof GraphQLError && error.originalError instanceof AppError) return error.originalError;
  return undefined;
}

/** Errors about the request itself (syntax, validation, variables) are safe to show as they are. */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/**
 * Apollo wraps graphql-js's parse and validation errors in its own, keeping the graphql-js error
 * as `originalError`; such a chain of GraphQLErrors describes the request. A chain that ends in
 * any other error came from code (a scalar's parser, a library) and may carry its text.
 */
function onlyGraphQLErrors(error: GraphQLError): boolean {
  const cause = error.originalError;
  if (cause === undefined || cause === null) return true;
  return cause instanceof GraphQLError && cause !== error && onlyGraphQLErrors(cause);
}

/**
 * Apollo refuses some requests before any code of ours runs with a bare GraphQLError that has
 * no code, only an HTTP status (a persisted query of an unknown version is one). A 4xx status
 * there means the request was at fault.
 */
function isUncodedRequestError(error: GraphQLError): boolean {
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return (
    error.extensions.code === undefined &&
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    onlyGraphQLErrors(error)
  );
}

export function isClientSafe(error: unknown): boolean {
  if (appErrorOf(error)) return true;
  const original = unwrapResolverError(error);
  return (
    original instanceof GraphQLError &&
    ((REQUEST_ERROR_CODES.has(String(original.extensions.code)) && onlyGraphQLErrors(original)) ||
      isUncodedRequestError(original))
  );
}

/**
 * A lost database or Redis reaches the client as SERVICE_UNAVAILABLE (retry later); everything
 * else as INTERNAL_SERVER_ERROR: no stack, SQL or library text.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const appError = appErrorOf(error);
  if (appError) {
    return {
      message: appError.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: extensionsOf(appError),
    };
  }
  if (isClientSafe(error)) {
    // `http` is Apollo's (status and headers of the HTTP answer), never part of the body.
    const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
    // A request error Apollo raised without a code (see isUncodedRequestError) is a BAD_REQUEST.
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError && isUncodedRequestError(original)) {
      extensions.code = "BAD_REQUEST";
    }
    return { ...formatted, extensions };
  }
  const masked = unavailableOf(error) ? errors.serviceUnavailable() : errors.internal();
  return {
    message: masked.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: extensionsOf(masked),
  };
}

/** The dependency behind an error a request met, when one was unreachable. */
export function unavailableOf(error: unknown): Dependency | undefined {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return undefined;
  return unavailableDependency(original);
}

/**
 * `formatError` for both transports, with "Did you mean …?" removed when the policy hides
 * suggestions: graphql-js adds them to validation errors and to variable coercion errors (an
 * input field or enum value misspelt in the variables), which Apollo's own option misses.
 */
export function errorFormatter(policy: { withoutSuggestions(message: string): string }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = formatError(formatted, error);
    return { ...result, message: policy.withoutSuggestions(result.message) };
  };
}

/**
 * Logs an error that gets masked, with the caller's logger (it carries the request id), so
 * operators can find what the client was not shown. Errors a resolver threw say so.
 */
export function logIfMasked(error: unknown, logger: Logger, outages?: OutageTracker): void {
  if (isClientSafe(error)) return;
  const dependency = unavailableOf(error);
  if (dependency) {
    outages?.lost(dependency, unwrapResolverError(error));
    return;
  }
  const located = error instanceof GraphQLError && error.path !== undefined;
  logger.error(
    { err: unwrapResolverError(error) },
    located ? "unexpected error in resolver" : "unexpected error",
  );
}

/**
 * Logs every error of an HTTP request that gets masked (logIfMasked); an unreachable dependency
 * is told to the outage tracker instead (one line per outage, not one per request), and its
 * answer is HTTP 503 with Retry-After.
 */
export function errorLoggingPlugin(
  logger: Logger,
  outages?: OutageTracker,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let unavailable = false;
      return {
        async willSendResponse({ response }) {
          if (!unavailable) return;
          response.http.status = 503;
          response.http.headers.set("retry-after", String(SERVICE_RETRY_AFTER_SECONDS));
        },
        async didEncounterErrors({ errors: encountered, contextValue }) {
          for (const error of encountered) {
            if (unavailableOf(error) || appErrorOf(error)?.code === "SERVICE_UNAVAILABLE") unavailable = true;
            logIfMasked(error, contextValue?.logger ?? logger, outages);
          }
        },
      };
    },
  };
}
