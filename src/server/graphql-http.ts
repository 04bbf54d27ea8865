import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import express, { type RequestHandler } from "express";
import type { Logger } from "../infra/logger";
import { logWhenClosed } from "./request-log";
import type { Tracing } from "../observability/tracing";
import type { GraphQLContext, RequestScope } from "../graphql/context";
import { answerHttpError } from "./http-errors";
import { requestIdFrom } from "./request-id";
import { openRequestScope, type ScopeOptions } from "./request-scope";

/** A Connect-style middleware as Express, cors and helmet write them, on plain node:http objects. */
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** What the context factory learns of a request that did not pass through Express. */
export interface LeanRequest {
  req: IncomingMessage;
  requestId: string;
  scope: RequestScope;
}

export interface GraphQLHttpOptions {
  endpoint: string;
  /** GETs that this says are the playground's (a browser asking for HTML) are left to Express. */
  isPlayground: (req: IncomingMessage) => boolean;
  apollo: ApolloServer<GraphQLContext>;
  logger: Logger;
  tracing: Tracing;
  scope: ScopeOptions;
  bodyLimit: string;
  /** The CORS policy Express applies to the endpoint (server/hardening.ts corsPolicy). */
  cors: RequestHandler;
  /** The security headers Express sends (helmet): computed once, set on every answer. */
  securityHeaders: RequestHandler;
  context: (request: LeanRequest) => Promise<GraphQLContext>;
}

/**
 * The headers a middleware that only sets headers (helmet) sets on every response, read once by
 * running it against a recording response: helmet computes the same strings for every request.
 */
export function headersSetBy(middleware: RequestHandler): Array<[string, string]> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  let done = false;
  (middleware as unknown as Middleware)(
    { headers: {}, method: "GET", url: "/" } as IncomingMessage,
    recorder as unknown as ServerResponse,
    () => {
      done = true;
    },
  );
  if (!done) throw new Error("the security-header middleware did not finish synchronously");
  return [...headers];
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/json";
}

/**
 * The hot path of the gateway, GraphQL over `POST <endpoint>` with a JSON body and over `GET
 * <endpoint>` (but the playground's page), served straight
 * from node:http around Apollo's `executeHTTPGraphQLRequest` instead of through Express's router:
 * the same steps in the same order as the Express chain (request id, the log line, security
 * headers, CORS, the JSON body parser with its limit, the request scope with its deadline and
 * metrics, Apollo with CSRF prevention and error masking), without the per-request cost of a
 * general-purpose middleware stack. Everything else on the endpoint (the CORS preflight, other
 * content types, the playground) and every other route stays with Express, which is why
 * `handles` is narrow. Apollo's status and headers (set by plugins or `extensions.http`) are
 * written as Apollo gives them.
 */
export function graphqlHttpHandler(options: GraphQLHttpOptions) {
  const { endpoint, apollo, logger, tracing, bodyLimit } = options;
  const securityHeaders = headersSetBy(options.securityHeaders);
  const cors = options.cors as unknown as Middleware;
  const parseJson = express.json({ limit: bodyLimit }) as unknown as Middleware;

  async function execute(req: IncomingMessage, res: ServerResponse, requestId: string, scope: RequestScope) {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method!,
        headers,
        search: query === -1 ? "" : url.slice(query),
        body: (req as IncomingMessage & { body?: unknown }).body,
      },
      context: () => options.context({ req, requestId, scope }),
    });
    // The deadline has answered already: what came later is dropped.
    if (res.headersSent) return;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.setHeader("content-length", Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return {
    /** Whether the lean path serves this request (else Express does). */
    handles(req: IncomingMessage): boolean {
      if (pathOf(req.url ?? "") !== endpoint) return false;
      if (req.method === "POST") return isJson(req.headers["content-type"]);
      return req.method === "GET" && !options.isPlayground(req);
    },

    serve(req: IncomingMessage, res: ServerResponse): void {
      const header = req.headers["x-request-id"];
      const requestId = requestIdFrom(Array.isArray(header) ? header[0] : header);
      let scope: RequestScope | undefined;
      logWhenClosed(logger, tracing, res, {
        method: req.method!,
        path: endpoint,
        requestId: () => requestId,
        record: () => scope?.record,
      });
      res.setHeader("X-Request-Id", requestId);
      for (const [name, value] of securityHeaders) res.setHeader(name, value);
      const fail = (error: unknown) => answerHttpError(error, res, { logger, bodyLimit, requestId });
      cors(req, res, (corsError) => {
        if (corsError) return fail(corsError);
        parseJson(req, res, (parseError) => {
          if (parseError) return fail(parseError);
          openRequestScope(res, options.scope, (opened) => {
            scope = opened;
            execute(req, res, requestId, opened).catch(fail);
          });
        });
      });
    },
  };
}
