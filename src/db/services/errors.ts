/**
 * The closed set of reasons a persistence service refuses a request. Callers branch on `code` (the API maps it
 * to a 4xx, activities to a non-retryable failure type), never on the message.
 */
export const STORE_ERROR_CODES = [
  'not_found',
  'invalid_input',
  'invalid_state',
  'invoice_not_draft',
  'seller_not_configured',
  'currency_mismatch',
  'insufficient_credit',
  'amount_exceeds_remaining',
  'idempotency_conflict',
  'nothing_to_invoice',
  'no_payment_method',
  'not_refundable',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isStoreError(value: unknown): value is StoreError {
  return value instanceof StoreError;
}
