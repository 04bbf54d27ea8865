import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, or a new one. */
export function requestIdFrom(given: string | undefined): string {
  return given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}

/** Takes the caller's X-Request-Id when it is sane, or makes one; echoes it in the response. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFrom(req.get("x-request-id"));
  res.locals.requestId = id;
  res.setHeader("X-Request-Id", id);
  next();
};
