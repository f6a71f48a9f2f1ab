import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '../logging';
import { dependencyUnavailable, valueRefusedByDatabase } from '../messaging/failures';

/** What a 503 for an unavailable dependency asks the client to wait. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export interface FieldError {
  field: string;
  message: string;
}

/** An error with an HTTP status, answered as application/problem+json (RFC 9457). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    /** Headers to answer with (Retry-After, WWW-Authenticate...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** A 503 the client should retry after `seconds`. */
export const unavailable = (detail: string, seconds: number) => new HttpProblem(503, 'Service Unavailable', detail, undefined, { 'Retry-After': String(seconds) });

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpProblem(400, 'Bad Request', detail, errors);
export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
export const unprocessable = (detail: string) => new HttpProblem(422, 'Unprocessable Content', detail);

/** Turns zod issues into field errors named like the request: "items[0].price". */
export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
      '',
    );
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(body)';
    return { field, message: issue.message };
  });
}

/** Parses a part of the request or throws a 400 that names each offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error, prefix);
  throw badRequest(`Invalid ${what}: ${errors.map((e) => e.field).join(', ')}`, errors);
}

export function sendProblem(
  res: Parameters<RequestHandler>[1],
  status: number,
  title: string,
  detail: string,
  errors?: FieldError[],
): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) });
}

export const notFoundRoute: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'Not Found', `No route for ${req.method} ${req.path}`);
};

const titleOf = (status: number) => STATUS_CODES[status] ?? 'Bad Request';

/** The one error middleware, registered last. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpProblem) {
      res.set(error.headers);
      return sendProblem(res, error.status, error.title, error.message, error.errors);
    }
    const bodyError = error as { type?: string; status?: number; limit?: number; message?: string };
    if (bodyError.type === 'entity.too.large') {
      return sendProblem(res, 413, 'Content Too Large', `Request body exceeds ${bodyError.limit} bytes`);
    }
    if (bodyError.type === 'entity.parse.failed') {
      return sendProblem(res, 400, 'Bad Request', 'Request body is not valid JSON', [
        { field: '(body)', message: bodyError.message ?? 'malformed JSON' },
      ]);
    }
    if (bodyError.type === 'entity.verify.failed') {
      return sendProblem(res, 400, 'Bad Request', 'Request body is not valid UTF-8', [{ field: '(body)', message: 'must be valid UTF-8' }]);
    }
    if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      return sendProblem(res, bodyError.status, titleOf(bodyError.status), bodyError.message ?? 'Bad request');
    }
    // A backstop behind the routes' own bounds: a value the database refuses is the request's fault, never a 500.
    const refused = valueRefusedByDatabase(error);
    if (refused) {
      logger.warn({ err: error, method: req.method, path: req.path }, 'request refused by the database');
      return sendProblem(res, 400, 'Bad Request', `A value in the request cannot be stored: ${refused}`, [{ field: '(body)', message: refused }]);
    }
    // The database is down, refusing connections or busy with conflicting work: the client may retry, the service is not broken.
    if (dependencyUnavailable(error)) {
      logger.warn({ err: error, method: req.method, path: req.path }, 'request failed on an unavailable dependency');
      res.set('Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS));
      return sendProblem(res, 503, 'Service Unavailable', `This service's database is unavailable or busy; retry after ${DEPENDENCY_RETRY_AFTER_SECONDS} seconds`);
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    return sendProblem(res, 500, 'Internal Server Error', 'The request could not be completed');
  };
}
