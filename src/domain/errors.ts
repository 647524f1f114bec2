/**
 * The closed set of reasons the billing domain rejects an input. Callers branch on `code`, never on the
 * message, so the API can map each code to a 4xx and activities to a non-retryable failure type.
 */
export const DOMAIN_ERROR_CODES = [
  'currency_mismatch',
  'invalid_amount',
  'amount_out_of_range',
  'unknown_currency',
  'invalid_ratio',
  'invalid_weights',
  'invalid_interval',
  'invalid_instant',
  'invalid_time_zone',
  'invalid_period',
  'invalid_quantity',
  'invalid_price',
  'invalid_usage',
  'invalid_coupon',
  'coupon_expired',
  'coupon_redemption_limit_reached',
  'coupon_not_applicable',
  'invalid_tax',
  'invalid_invoice',
  'invalid_dunning_policy',
  'invalid_dunning_state',
  'invalid_report_range',
  'invalid_exchange_rate',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input the rejection is about, as the API names it (`from`, `to`), when it is one of the request's. */
    readonly param?: string,
  ) {
    super(message);
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
