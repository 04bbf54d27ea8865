import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import cors from "cors";
import type { RequestHandler } from "express";
import helmet from "helmet";
import type { Config } from "../config";
import type { RequestPolicy } from "../graphql/request-policy";
import type { TrustProxy } from "./request-info";

type Hardening = Config["hardening"];

/** Security headers: helmet's defaults (HSTS, nosniff, a same-origin CSP, no foreign framing…). */
export function securityHeaders(): RequestHandler {
  return helmet();
}

/**
 * Headers that make a GraphQL request safe from CSRF in Apollo's sense: a browser sends none of
 * them cross-site without a CORS preflight. Apollo's two, plus `authorization`: urql and other
 * clients send queries as GET without a content type, and a GET that carries a token is exactly
 * as preflighted as one with `apollo-require-preflight` (and it is how every signed-in call
 * arrives). An anonymous GET without any of them is still refused.
 */
export const CSRF_PREFLIGHT_HEADERS = [
  "x-apollo-operation-name",
  "apollo-require-preflight",
  "authorization",
];

/**
 * Cross-origin access for browsers: only the configured origins (CORS_ORIGINS; `*` for any).
 * Credentials travel in the Authorization header, never in cookies, so none are allowed. Every
 * header a GraphQL client may send is allowed, the CSRF preflight headers included (a header
 * Apollo accepts but CORS refuses could never be used cross-origin).
 */
export function corsPolicy(
  origins: string[],
  onRefused?: (origin: string) => void,
  trustProxy: TrustProxy = () => false,
): RequestHandler {
  const origin = origins.includes("*") ? "*" : origins;
  const policy = cors({
    origin,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: [
      ...CSRF_PREFLIGHT_HEADERS,
      "content-type",
      "x-request-id",
      "apollographql-client-name",
      "apollographql-client-version",
      "traceparent",
      "tracestate",
    ],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });
  if (!onRefused || origin === "*") return policy;
  const told = new Set<string>();
  return (req, res, next) => {
    const from = req.headers.origin;
    // Same-origin requests (the playground) carry an Origin too, and need no CORS.
    const own = `${protocolOf(req, trustProxy)}://${req.headers.host}`;
    if (from && from !== own && !origins.includes(from) && !told.has(from) && told.size < 100) {
      told.add(from);
      onRefused(from);
    }
    policy(req, res, next);
  };
}

/**
 * The request's protocol as Express's `req.protocol` tells it (X-Forwarded-Proto from a trusted
 * proxy), for requests that do not pass through Express (server/graphql-http.ts).
 */
function protocolOf(req: IncomingMessage, trustProxy: TrustProxy): string {
  const own = (req.socket as TLSSocket).encrypted ? "https" : "http";
  if (!trustProxy(req.socket.remoteAddress ?? "", 0)) return own;
  const header = req.headers["x-forwarded-proto"];
  const value = (Array.isArray(header) ? header[0] : header) || own;
  const comma = value.indexOf(",");
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/**
 * Apollo Server options that close the cheap ways to hurt a GraphQL server: the request policy
 * shared with the WebSocket transport (token limit, graphql-armor's limits, introspection and
 * suggestions: request-policy.ts), no batching unless enabled, and Apollo's CSRF prevention.
 */
export function apolloHardening(hardening: Hardening, policy: RequestPolicy) {
  return {
    ...policy.apolloOptions(),
    allowBatchedHttpRequests: hardening.allowBatching,
    csrfPrevention: { requestHeaders: CSRF_PREFLIGHT_HEADERS },
  };
}
