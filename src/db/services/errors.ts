/**
 * The closed set of reasons a service (a persistence service of `src/db/services`, or a billing operation of
 * `src/billing`) refuses a request. Callers branch on `code` (the API's error handler maps each to a status in one
 * table, activities to a non-retryable failure type), never on the message.
 */
export const STORE_ERROR_CODES = [
  /** The object acted on does not exist. */
  'not_found',
  /** An object the request refers to (a customer to bill, …) does not exist: the request is wrong, not the URL. */
  'unknown_reference',
  'invalid_input',
  'invalid_state',
  'invoice_not_draft',
  /** The invoice is not open (one code per status it has instead). */
  'invoice_draft',
  'invoice_paid',
  'invoice_void',
  'invoice_uncollectible',
  /** Only a paid invoice is credited. */
  'invoice_not_paid',
  /** The subscription's workflow refused the invoice action (it is not the invoice dunning collects, …). */
  'invoice_not_actionable',
  /** No subscription charges the invoice. */
  'invoice_not_collectible',
  /** Pending invoice items were billed elsewhere meanwhile. */
  'invoice_items_changed',
  /** The subscription's workflow has ended and takes no more commands. */
  'subscription_ended',
  'seller_not_configured',
  'currency_mismatch',
  'insufficient_credit',
  'amount_exceeds_remaining',
  /** A refund the invoice's succeeded charges cannot cover. */
  'amount_exceeds_refundable',
  'idempotency_conflict',
  'nothing_to_invoice',
  'no_payment_method',
  /** The payment did not succeed: there is nothing to refund. */
  'payment_not_succeeded',
  'not_refundable',
  /** The gateway refused a payment-method token (unknown, used, malformed). */
  'invalid_token',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The request field the refusal is about, as the API names it (`customer_id`, `amount`), when there is one. */
    readonly param?: string,
  ) {
    super(message);
  }
}

export function isStoreError(value: unknown): value is StoreError {
  return value instanceof StoreError;
}
