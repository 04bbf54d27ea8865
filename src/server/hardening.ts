import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";
import type { ParseOptions, ValidationRule } from "graphql";
import type { Config } from "../config";

type Hardening = Config["hardening"];

/** Security headers: helmet's defaults (HSTS, nosniff, a same-origin CSP, no foreign framing…). */
export function securityHeaders(): RequestHandler {
  return helmet();
}

/**
 * Cross-origin access for browsers: only the configured origins (CORS_ORIGINS; `*` for any).
 * Credentials travel in the Authorization header, never in cookies, so none are allowed.
 */
export function corsPolicy(origins: string[]): RequestHandler {
  const origin = origins.includes("*") ? "*" : origins;
  return cors({
    origin,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: [
      "authorization",
      "content-type",
      "x-request-id",
      "apollo-require-preflight",
      "apollographql-client-name",
      "apollographql-client-version",
      "traceparent",
      "tracestate",
    ],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });
}

/**
 * Apollo Server options that close the cheap ways to hurt a GraphQL server: graphql-armor's
 * limits on depth, aliases, cost and directives (validation rules; checked with Apollo Server 5),
 * the token limit of graphql-js's own parser, introspection and field suggestions off unless
 * enabled, no batching unless enabled, and Apollo's CSRF prevention.
 *
 * graphql-armor's own token limit is not used: its Apollo plugin parses in `parsingDidStart`,
 * where any syntax error (not only too many tokens) becomes a 500. graphql-js's `maxTokens`
 * gives the ordinary 400 GRAPHQL_PARSE_FAILED.
 */
export function apolloHardening(hardening: Hardening): {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  parseOptions: ParseOptions;
  introspection: boolean;
  hideSchemaDetailsFromClientErrors: boolean;
  allowBatchedHttpRequests: boolean;
  csrfPrevention: true;
} {
  const { limits } = hardening;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    costLimit: { maxCost: limits.maxCost },
    maxDirectives: { n: limits.maxDirectives },
    // Apollo's own hideSchemaDetailsFromClientErrors does this (below).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    validationRules: armor.validationRules,
    plugins: armor.plugins,
    parseOptions: { maxTokens: limits.maxTokens },
    introspection: hardening.introspection,
    hideSchemaDetailsFromClientErrors: !hardening.introspection,
    allowBatchedHttpRequests: hardening.allowBatching,
    csrfPrevention: true,
  };
}
