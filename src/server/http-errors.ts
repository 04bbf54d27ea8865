import type { ServerResponse } from "node:http";
import accepts from "accepts";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { errors, type AppError } from "../core/errors";
import { extensionsOf } from "../graphql/errors";
import type { Logger } from "../infra/logger";

/** The media types of a GraphQL answer (GraphQL over HTTP), in Apollo Server's order of preference. */
const GRAPHQL_RESPONSE_TYPES = ["application/json", "application/graphql-response+json"];

/**
 * Answers in the GraphQL error format, as every other error of the gateway does, and in the media
 * type the client asked for, chosen as Apollo Server chooses it for its own answers: a client that
 * prefers `application/graphql-response+json` (Apollo Client 4, urql) reads a non-2xx answer of
 * that type as GraphQL errors, while a plain `application/json` error body is an opaque failure
 * to it. No Accept header, or one that takes neither type, gets `application/json`.
 */
export function sendError(res: ServerResponse, status: number, error: AppError): void {
  const type = accepts(res.req).type(GRAPHQL_RESPONSE_TYPES) || GRAPHQL_RESPONSE_TYPES[0]!;
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: extensionsOf(error) }] });
  res.statusCode = status;
  res.setHeader("content-type", `${type}; charset=utf-8`);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

export const notFound: RequestHandler = (_req, res) => sendError(res, 404, errors.notFound());

interface HttpError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * The last Express handler: body-parser failures and anything thrown outside GraphQL become an
 * error in the gateway's format, without stack or library text. A late write after the deadline
 * already answered (headers sent) is dropped quietly.
 */
export function httpErrorHandler(logger: Logger, bodyLimit: string): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) =>
    answerHttpError(error, res, { logger, bodyLimit, requestId: res.locals.requestId as string | undefined });
}

/** httpErrorHandler's answer, for the GraphQL path that does not pass through Express. */
export function answerHttpError(
  error: unknown,
  res: ServerResponse,
  options: { logger: Logger; bodyLimit: string; requestId?: string },
): void {
  if (res.headersSent) return;
  const { type, status, expose } = (error ?? {}) as HttpError;
  if (type === "entity.too.large") {
    sendError(res, 413, errors.payloadTooLarge(options.bodyLimit));
  } else if (type === "entity.parse.failed") {
    sendError(res, 400, errors.badRequest("The request body is not valid JSON."));
  } else if (status !== undefined && status >= 400 && status < 500 && expose) {
    sendError(res, status, errors.badRequest("The request could not be read."));
  } else {
    options.logger.error({ err: error, requestId: options.requestId }, "unexpected error");
    sendError(res, 500, errors.internal());
  }
}
