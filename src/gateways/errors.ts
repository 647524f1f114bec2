/**
 * The closed set of gateway failures. A decline is not among them: it is an answer, returned as a charge
 * result. These are the cases where there is no answer (retryable) or where the request itself is wrong
 * (not retryable), so activities can map `retryable` straight onto Temporal's retry policy.
 */
export const GATEWAY_ERROR_CODES = [
  /** The provider failed before charging; the same request may succeed later. */
  'processing_error',
  /** No response arrived: the charge may or may not exist. Settle by idempotency-key lookup. */
  'timeout',
  /** The provider accepted the payment but has not decided yet. */
  'pending',
  'rate_limited',
  'unavailable',
  'invalid_request',
  'authentication_failed',
  /** The idempotency key was already used with different parameters. */
  'idempotency_key_reused',
  'not_found',
  'refund_exceeds_charge',
  /** The provider gave up on a refund (e.g. the card account is closed); money must be returned another way. */
  'refund_failed',
  'invalid_webhook_signature',
  'invalid_webhook_payload',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

const RETRYABLE: ReadonlySet<GatewayErrorCode> = new Set<GatewayErrorCode>([
  'processing_error',
  'timeout',
  'pending',
  'rate_limited',
  'unavailable',
]);

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly retryable: boolean;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? RETRYABLE.has(code);
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

export function isRetryableGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError && value.retryable;
}
