import type { IncomingMessage } from "node:http";
import accepts from "accepts";
import { Router } from "express";

/** Browsers navigating to the endpoint ask for HTML first; GraphQL clients ask for JSON (or *). */
export function prefersHtml(req: IncomingMessage): boolean {
  return (
    accepts(req).type(["application/json", "application/graphql-response+json", "text/html"]) === "text/html"
  );
}

/** Nothing on the page runs or loads: no script, no style, no image. */
const OFF_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const OFF_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Aegis identity gateway · playground off</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <h1>The playground is off on this gateway</h1>
    <p>This address answers GraphQL requests (POST, or GET with a <code>query</code> parameter);
      the GraphiQL playground for admins is not served here.</p>
    <p>To turn it on, start the gateway with <code>PLAYGROUND_ENABLED=true</code> and
      <code>GRAPHQL_INTROSPECTION=true</code> (the playground reads the schema through introspection).
      Both are off by default when <code>NODE_ENV=production</code>, and on in development.</p>
  </body>
</html>
`;

/**
 * With the playground off, a browser opening `endpoint` gets a short page saying so and which
 * variables turn it on, instead of the CSRF-prevention error Apollo gives a bare GET. GraphQL
 * clients (JSON or any Accept) fall through to Apollo as before.
 */
export function playgroundOffRouter(endpoint: string): Router {
  const router = Router();
  router.get(endpoint, (req, res, next) => {
    if (!prefersHtml(req)) return next();
    res.set({
      "Content-Security-Policy": OFF_PAGE_CSP,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    });
    res.status(404).type("html").send(OFF_PAGE);
  });
  return router;
}
