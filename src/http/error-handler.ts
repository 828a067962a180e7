import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError, describeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { HttpError } from './http-error';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
  retryable?: boolean;
}

/** Fastify's own request errors, translated into messages that say what to change. */
function fromFastify(error: FastifyError, bodyLimit: number): { status: number; body: ErrorBody } | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: {
          error: 'payload_too_large',
          message: `the request body is larger than ${bodyLimit} bytes; move large content out of the payload (link to it instead) and send again`,
        },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { error: 'malformed_json', message: 'the request body is not valid JSON; send one JSON object with Content-Type: application/json' },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: 'unsupported_media_type', message: 'send the request body as JSON with Content-Type: application/json' },
      };
  }
  // Other client errors fastify raises (bad URL, bad content length) carry a safe message.
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: 'bad_request', message: error.message } };
  }
  return undefined;
}

/** Maps any thrown value to a status and body; unknown errors become a 500 that reveals nothing inside. */
export function toErrorResponse(error: unknown, requestId: string, bodyLimit: number): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    const body: ErrorBody = { error: error.error, message: error.message };
    if (error.issues) body.issues = error.issues;
    if (error.retryable !== undefined) body.retryable = error.retryable;
    return { status: error.statusCode, body };
  }
  if (error instanceof ValidationError) {
    return {
      status: 400,
      body: {
        error: 'invalid_event',
        message: error.issues.length ? `${error.message}; fix what issues lists and send again` : error.message,
        issues: error.issues,
      },
    };
  }
  const known = error instanceof Error ? fromFastify(error as FastifyError, bodyLimit) : undefined;
  if (known) return known;
  return {
    status: 500,
    body: {
      error: 'internal_error',
      message: `herald could not handle this request (request id ${requestId}); it is logged. Try again, and report the request id if it persists`,
    },
  };
}

/**
 * Builds fastify's error handler: one JSON error shape for every route, no stack traces
 * in responses, and one log line per 5xx so on-call sees server-side failures.
 */
export function createErrorHandler(logger: Logger, bodyLimit: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    // The route's own limit where it sets one (Twilio's callbacks: 16 KiB), so a 413 names the right size.
    const { status, body } = toErrorResponse(error, request.id, request.routeOptions.bodyLimit ?? bodyLimit);
    if (status >= 500) {
      const cause = error instanceof Error && error.cause !== undefined ? describeError(error.cause) : undefined;
      logger.error('http request failed', {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status,
        error: error instanceof HttpError ? error.error : describeError(error),
        cause,
      });
    }
    // Refused before its body was read (401, 413): close, so the client cannot make us read the rest.
    if (!request.raw.complete) void reply.header('connection', 'close');
    void reply.code(status).send(body);
  };
}
