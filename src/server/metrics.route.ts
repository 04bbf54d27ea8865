import { timingSafeEqual } from "node:crypto";
import { Router } from "express";
import { errors } from "../core/errors";
import { sendError } from "./http-errors";
import type { Metrics } from "../observability/metrics";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus' text format. With METRICS_TOKEN set, only a scraper that sends
 * `Authorization: Bearer <token>` gets an answer.
 */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  router.get("/metrics", async (req, res) => {
    if (token !== undefined && !sameSecret(req.get("authorization") ?? "", `Bearer ${token}`)) {
      return sendError(res, 401, errors.authenticationRequired());
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
