import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Logger } from '../logging';
import type {} from 'pino-http';

/** The closed set of error types the API answers with, each bound to one HTTP status. */
export const errorStatus = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  rate_limit_error: 429,
  service_unavailable: 503,
  api_error: 500,
} as const;

export type ErrorType = keyof typeof errorStatus;

export class AppError extends Error {
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface ErrorBody {
  error: { type: ErrorType; code: string; message: string; param?: string };
}

export function errorBody(error: AppError): ErrorBody {
  return {
    error: {
      type: error.type,
      code: error.code,
      message: error.message,
      ...(error.param === undefined ? {} : { param: error.param }),
    },
  };
}

export function fromZodError(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const param = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const code = issue?.code === 'unrecognized_keys' ? 'unknown_parameter' : 'invalid_parameter';
  const message = issue
    ? issue.code === 'unrecognized_keys'
      ? `Unknown parameter: ${issue.keys.join(', ')}`
      : `${param ?? 'body'}: ${issue.message}`
    : 'Invalid request';
  // Zod puts an unknown key's object in `path` and the key in `keys`: `address.extra`, not a bare `extra`.
  const unknownParam =
    issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]].map(String).join('.')
      : undefined;
  return new AppError('invalid_request_error', code, message, unknownParam ?? param);
}

/** The `type` the JSON parser's UTF-8 check (`requireUtf8Body`) gives the error it raises. */
export const BODY_NOT_UTF8 = 'body.not_utf8';

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', 'route_not_found', `No route for ${req.method} ${req.path}`));
};

/** Maps every error to the error shape; only unexpected ones are 500s, logged and never echoed to the client. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (error instanceof z.ZodError) appError = fromZodError(error);
    else if (isBodyParserError(error)) {
      appError =
        error.type === 'entity.too.large'
          ? new AppError('invalid_request_error', 'body_too_large', 'The request body is too large')
          : error.type === BODY_NOT_UTF8
            ? new AppError('invalid_request_error', 'invalid_text', 'The request body is not valid UTF-8')
            : new AppError('invalid_request_error', 'invalid_json', 'The request body is not valid JSON');
    } else if (isDatabaseUnavailable(error)) {
      // Not the request's fault and not a bug: the client may retry, with the same Idempotency-Key on a POST.
      (req.log ?? logger).warn({ err: error }, 'database unavailable');
      appError = new AppError(
        'service_unavailable',
        'database_unavailable',
        'The database is unavailable; retry shortly',
      );
    } else {
      (req.log ?? logger).error({ err: error }, 'unhandled error');
      appError = new AppError('api_error', 'internal_error', 'An internal error occurred');
    }
    res.status(errorStatus[appError.type]).json(errorBody(appError));
  };
}

function isBodyParserError(error: unknown): error is { type: string; status: number } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    typeof (error as { type: unknown }).type === 'string' &&
    'status' in error &&
    (error as { status: number }).status < 500
  );
}
