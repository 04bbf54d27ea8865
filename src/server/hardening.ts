import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";
import type { ValidationRule } from "graphql";
import type { Config } from "../config";

type Hardening = Config["hardening"];

/** Security headers (helmet's defaults: HSTS, nosniff, frame-ancestors 'none', CSP…). */
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
    allowedHeaders: ["authorization", "content-type", "x-request-id", "apollo-require-preflight"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });
}

/**
 * Apollo Server options that close the cheap ways to hurt a GraphQL server: graphql-armor's
 * limits on depth, aliases, tokens, cost and directives (validation rules and a parser plugin;
 * checked with Apollo Server 5), introspection and field suggestions off unless enabled, no
 * batching unless enabled, and Apollo's CSRF prevention.
 */
export function apolloHardening(hardening: Hardening): {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  introspection: boolean;
  hideSchemaDetailsFromClientErrors: boolean;
  allowBatchedHttpRequests: boolean;
  csrfPrevention: true;
} {
  const { limits } = hardening;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { n: limits.maxTokens },
    costLimit: { maxCost: limits.maxCost },
    maxDirectives: { n: limits.maxDirectives },
    // Apollo's own hideSchemaDetailsFromClientErrors does this (below).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    validationRules: armor.validationRules,
    plugins: armor.plugins,
    introspection: hardening.introspection,
    hideSchemaDetailsFromClientErrors: !hardening.introspection,
    allowBatchedHttpRequests: hardening.allowBatching,
    csrfPrevention: true,
  };
}
