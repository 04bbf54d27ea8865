import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { errors, type AppError } from "../errors";
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
export function sendError(res: Response, status: number, error: AppError): void {
  const type = res.req.accepts(GRAPHQL_RESPONSE_TYPES) || GRAPHQL_RESPONSE_TYPES[0]!;
  res
    .status(status)
    .type(type)
    .send(JSON.stringify({ errors: [{ message: error.message, extensions: error.extensions }] }));
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
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    const { type, status, expose } = (error ?? {}) as HttpError;
    if (type === "entity.too.large") return sendError(res, 413, errors.payloadTooLarge(bodyLimit));
    if (type === "entity.parse.failed") {
      return sendError(res, 400, errors.badRequest("The request body is not valid JSON."));
    }
    if (status !== undefined && status >= 400 && status < 500 && expose) {
      return sendError(res, status, errors.badRequest("The request could not be read."));
    }
    const requestId = res.locals.requestId as string | undefined;
    logger.error({ err: error, requestId }, "unexpected error");
    sendError(res, 500, errors.internal());
  };
}
