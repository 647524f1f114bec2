import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { DatevFormatError } from '../books/datev';
import { AccountMappingError } from '../books/journal';
import { BooksError } from '../books/sources';
import { isStoreError, type StoreErrorCode } from '../db/services/errors';
import { isDatabaseUnavailable } from '../db/unavailable';
import { EInvoiceError } from '../documents/einvoice';
import { isDomainError, type DomainErrorCode } from '../domain/errors';
import { isGatewayError, type GatewayErrorCode } from '../gateways/errors';
import type { Logger } from '../logging';
import { SubscriptionCommandError } from '../subscriptions/commands';
import { StartSubscriptionError } from '../subscriptions/start';
import { MailUnavailableError, TemporalUnavailableError } from '../webhooks/inbound';
import { CommandRejection, type CommandRejectionType } from '../workflows/lifecycle/messages';
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

/**
 * How the API answers a refusal of one of the service layers' error families: the status (by the error type), the
 * code the client sees (the family's own code unless named), the field it names when the error names none itself,
 * and a hint appended to the message. One row per code, and each family's table is exhaustive, so a new code does
 * not compile until it has its answer.
 */
interface Answer {
  type: ErrorType;
  code?: string;
  param?: string;
  hint?: string;
  /** Said instead of the service's message, which names internal keys. */
  message?: string;
}

const conflict: Answer = { type: 'conflict' };
const unprocessable: Answer = { type: 'unprocessable' };
const badRequest: Answer = { type: 'invalid_request_error' };
const keyReused: Answer = {
  type: 'conflict',
  code: 'idempotency_key_reused',
  param: 'Idempotency-Key',
  message: 'This Idempotency-Key was already used for another request',
};

/** `StoreError` (services of `src/db/services` and `src/billing`). */
const storeAnswers: Record<StoreErrorCode, Answer> = {
  not_found: { type: 'not_found', code: 'resource_missing' },
  unknown_reference: { type: 'invalid_request_error', code: 'resource_missing' },
  invalid_input: { type: 'invalid_request_error', code: 'invalid_parameter' },
  invalid_state: conflict,
  invoice_not_draft: conflict,
  invoice_draft: conflict,
  invoice_paid: conflict,
  invoice_void: conflict,
  invoice_uncollectible: conflict,
  invoice_not_paid: { type: 'conflict', param: 'invoice_id' },
  invoice_not_actionable: conflict,
  invoice_not_collectible: conflict,
  invoice_items_changed: conflict,
  subscription_ended: conflict,
  seller_not_configured: { type: 'unprocessable', hint: 'PUT /v1/settings first' },
  currency_mismatch: { type: 'unprocessable', param: 'currency' },
  insufficient_credit: conflict,
  amount_exceeds_remaining: { type: 'conflict', param: 'amount' },
  amount_exceeds_refundable: { type: 'conflict', param: 'amount' },
  idempotency_conflict: keyReused,
  nothing_to_invoice: unprocessable,
  no_payment_method: unprocessable,
  payment_not_succeeded: conflict,
  not_refundable: conflict,
  invalid_token: { type: 'invalid_request_error', param: 'token' },
};

/** `DomainError` (pure billing rules): an input the rules refuse; the range and rate of a report are the query's. */
const domainAnswers: Record<DomainErrorCode, Answer> = {
  currency_mismatch: unprocessable,
  invalid_amount: unprocessable,
  amount_out_of_range: badRequest,
  unknown_currency: badRequest,
  invalid_ratio: unprocessable,
  invalid_weights: unprocessable,
  invalid_interval: unprocessable,
  invalid_instant: badRequest,
  invalid_time_zone: unprocessable,
  invalid_period: unprocessable,
  invalid_quantity: unprocessable,
  invalid_price: unprocessable,
  invalid_usage: unprocessable,
  invalid_coupon: unprocessable,
  coupon_expired: unprocessable,
  coupon_redemption_limit_reached: unprocessable,
  coupon_not_applicable: unprocessable,
  invalid_tax: unprocessable,
  invalid_invoice: unprocessable,
  invalid_dunning_policy: unprocessable,
  invalid_dunning_state: unprocessable,
  invalid_report_range: badRequest,
  invalid_exchange_rate: badRequest,
};

const gatewayUnavailable: Answer = {
  type: 'service_unavailable',
  code: 'gateway_unavailable',
  hint: 'retry with the same Idempotency-Key (what the gateway may have done is settled by it, never repeated)',
};
const gatewayRefused: Answer = { type: 'conflict', code: 'gateway_refused' };

/**
 * `GatewayError` (the payment gateway had no answer, or refused the request itself; a decline is an answer, not an
 * error). An error marked retryable is unavailable whatever its code.
 */
const gatewayAnswers: Record<GatewayErrorCode, Answer> = {
  processing_error: gatewayUnavailable,
  timeout: gatewayUnavailable,
  pending: gatewayUnavailable,
  rate_limited: gatewayUnavailable,
  unavailable: gatewayUnavailable,
  invalid_request: gatewayRefused,
  not_found: gatewayRefused,
  // Perennial's own credentials at the gateway are wrong: an operator's problem, logged as a 500.
  authentication_failed: { type: 'api_error', code: 'internal_error' },
  idempotency_key_reused: keyReused,
  refund_exceeds_charge: { type: 'conflict', code: 'refund_failed' },
  refund_failed: { type: 'conflict', code: 'refund_failed' },
  invalid_webhook_signature: { type: 'invalid_request_error', code: 'invalid_signature' },
  invalid_webhook_payload: { type: 'invalid_request_error', code: 'invalid_payload' },
};

/** A subscription workflow's update validator refused a command (`ApplicationFailure` types of the workflow). */
const rejectionAnswers: Record<CommandRejectionType, Answer> = {
  [CommandRejection.invalidState]: { type: 'conflict', code: 'invalid_state' },
  [CommandRejection.invalidArgument]: { type: 'unprocessable', code: 'invalid_command' },
  // Still catching up with its test clock: the same command may succeed a moment later.
  [CommandRejection.busy]: { type: 'conflict', code: 'invalid_state' },
};

const isRejectionType = (type: string | undefined | null): type is CommandRejectionType =>
  type !== undefined && type !== null && Object.hasOwn(rejectionAnswers, type);

function answered(answer: Answer, code: string, message: string, param?: string): AppError {
  const said = answer.message ?? message;
  return new AppError(
    answer.type,
    answer.code ?? code,
    answer.hint ? `${said}: ${answer.hint}` : said,
    param ?? answer.param,
  );
}

/**
 * The answer to an error of a service family (store, domain, gateway, a workflow's refusal, the subscription
 * commands, the books and documents), or null for anything else. A route never catches these to map them: it lets
 * them reach the error handler, which asks here.
 */
export function fromServiceError(error: unknown): AppError | null {
  if (isStoreError(error)) return answered(storeAnswers[error.code], error.code, error.message, error.param);
  if (isDomainError(error))
    return answered(domainAnswers[error.code], error.code, error.message, error.param);
  if (isGatewayError(error)) {
    const answer = error.retryable ? gatewayUnavailable : gatewayAnswers[error.code];
    return answered(answer, error.code, error.message);
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const { type, message } = error.cause;
    if (isRejectionType(type)) return answered(rejectionAnswers[type], type, message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new AppError(
      'conflict',
      'subscription_ended',
      'The subscription has ended and accepts no changes',
    );
  }
  if (error instanceof SubscriptionCommandError) {
    const type = error.kind === 'not_found' ? 'not_found' : error.kind;
    return new AppError(type, error.code, error.message, error.param);
  }
  if (error instanceof StartSubscriptionError) {
    const missing = error.code === 'customer_not_found' || error.code === 'plan_not_found';
    return new AppError(missing ? 'not_found' : 'unprocessable', error.code, error.message, error.param);
  }
  return fromDocumentError(error);
}

/** The books and documents: what the seller's settings do not allow yet, and outages a gateway's retry outlasts. */
function fromDocumentError(error: unknown): AppError | null {
  if (error instanceof BooksError) {
    return error.code === 'seller_not_configured'
      ? new AppError('not_found', 'settings_not_configured', error.message)
      : new AppError('conflict', error.code, error.message);
  }
  if (error instanceof AccountMappingError) {
    return new AppError('unprocessable', 'account_mapping_missing', error.message);
  }
  if (error instanceof DatevFormatError) return new AppError('unprocessable', 'datev_format', error.message);
  if (error instanceof EInvoiceError) return new AppError('conflict', 'einvoice_unavailable', error.message);
  if (error instanceof TemporalUnavailableError) {
    return new AppError('service_unavailable', 'temporal_unavailable', error.message);
  }
  if (error instanceof MailUnavailableError) {
    return new AppError('service_unavailable', 'mail_unavailable', error.message);
  }
  return null;
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
    const fromService = error instanceof AppError ? null : fromServiceError(error);
    if (error instanceof AppError) appError = error;
    else if (fromService && fromService.type !== 'api_error') appError = fromService;
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
