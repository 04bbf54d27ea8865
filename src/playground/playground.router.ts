import express, { Router, type Response } from "express";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "../infra/logger";
import type { PlaygroundAssets } from "./playground.assets";
import { examplesFor } from "./playground.examples";
import { prefersHtml } from "./playground-off";
import { ASSETS_PATH, PLAYGROUND_CSP, playgroundPage } from "./playground.page";

function securityHeaders(res: Response): void {
  res.set({
    "Content-Security-Policy": PLAYGROUND_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
  });
}

/**
 * GraphiQL for admins: a GET of `endpoint` that prefers text/html gets the page (anything else
 * falls through to Apollo), and its files are served from ASSETS_PATH. Mount it before Apollo,
 * and only when the playground is enabled.
 */
export function playgroundRouter(options: {
  endpoint: string;
  schema: GraphQLSchema;
  assets: PlaygroundAssets | undefined;
  logger: Logger;
}): Router {
  const { endpoint, schema, assets, logger } = options;
  const router = Router();
  const { offered, skipped } = examplesFor(schema);
  if (skipped.length > 0) {
    logger.debug({ skipped }, "playground examples the schema cannot run yet are not offered");
  }
  if (!assets) {
    logger.warn("the playground's assets are not built: run `npm run playground:build`");
  }
  const page = assets && playgroundPage(assets, { endpoint, examples: offered });

  if (assets) {
    router.use(
      ASSETS_PATH,
      express.static(assets.dir, {
        index: false,
        fallthrough: false,
        setHeaders: (res) => {
          res.set("X-Content-Type-Options", "nosniff");
          res.set("Cache-Control", "no-cache"); // revalidated by ETag: upgrades show at once
        },
      }),
    );
  }
  // The address people type (or click in the start-up banner) leads to the playground.
  router.get("/", (_req, res) => res.redirect(302, endpoint));
  router.get(endpoint, (req, res, next) => {
    if (!prefersHtml(req)) return next();
    securityHeaders(res);
    res.set("Cache-Control", "no-store");
    if (!page) {
      res
        .status(503)
        .type("text/plain")
        .send(
          "The playground's assets are not built: run `npm run playground:build` (or `npm run build`).\n",
        );
      return;
    }
    res.type("html").send(page);
  });
  return router;
}
