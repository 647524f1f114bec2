import type { Money } from '../domain/money';
import type { DeclineCode } from './decline-codes';

export type GatewayName = 'sandbox' | 'stripe';

/**
 * Free-form string pairs carried with a charge and echoed in its webhook events, so an event can be routed
 * back to its invoice and subscription. Conventional keys: `invoice_id`, `subscription_id`, `attempt`.
 */
export type GatewayMetadata = Record<string, string>;

export interface CreateCustomerRequest {
  /** A retried activity must not create a second customer at the provider. */
  idempotencyKey: string;
  email?: string;
  name?: string;
  metadata?: GatewayMetadata;
}

export interface CustomerReference {
  customerRef: string;
}

export interface AttachPaymentMethodRequest {
  customerRef: string;
  /** A single-use token produced by the provider's client-side library; card numbers never reach Perennial. */
  token: string;
  idempotencyKey?: string;
}

/** What may be shown and stored about a card: never its number. */
export interface AttachedPaymentMethod {
  paymentMethodRef: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface ChargeRequest {
  amount: Money;
  customerRef: string;
  paymentMethodRef: string;
  /** Derived from invoice id and attempt number; the same key never charges twice. */
  idempotencyKey: string;
  description: string;
  metadata: GatewayMetadata;
}

/**
 * The answer to a charge. Failures without an answer (processing errors, timeouts) are thrown as retryable
 * `GatewayError`s instead, so that a decline can never be mistaken for "try again".
 */
export type ChargeResult =
  | { status: 'succeeded'; chargeId: string }
  | { status: 'declined'; declineCode: DeclineCode; message: string };

export interface RefundRequest {
  chargeId: string;
  /** Omitted: whatever of the charge is not refunded yet. */
  amount?: Money;
  idempotencyKey: string;
}

export interface RefundResult {
  refundId: string;
  chargeId: string;
  amount: Money;
  /** Card refunds can stay pending at some providers; the sandbox always settles at once. */
  status: 'succeeded' | 'pending';
}

export type GatewayEvent =
  | { type: 'payment.succeeded'; chargeId: string; amount: Money; metadata: GatewayMetadata }
  | {
      type: 'payment.failed';
      chargeId: string;
      declineCode: DeclineCode;
      message: string;
      metadata: GatewayMetadata;
    }
  | {
      type: 'payment.refunded';
      chargeId: string;
      /** Cumulative over all refunds of the charge, as providers report it. */
      amountRefunded: Money;
      fullyRefunded: boolean;
      metadata: GatewayMetadata;
    }
  | {
      /** A dispute was opened (Stripe: `charge.dispute.created`). */
      type: 'payment.disputed';
      chargeId: string;
      disputeId: string;
      amount: Money;
      reason: string;
      metadata: GatewayMetadata;
    }
  | {
      /** An open dispute changed: evidence is due or under review, or the gateway reported its fee. */
      type: 'dispute.updated';
      chargeId: string;
      disputeId: string;
      amount: Money;
      reason: string;
      status: OpenDisputeStatus;
      /** What the gateway charged for the dispute, in the dispute's currency, once it reports it. */
      fee?: Money;
      metadata: GatewayMetadata;
    }
  | {
      /** The card issuer decided: `lost` means the disputed amount stays with the cardholder. */
      type: 'dispute.closed';
      chargeId: string;
      disputeId: string;
      amount: Money;
      reason: string;
      status: DisputeOutcome;
      fee?: Money;
      metadata: GatewayMetadata;
    };

/** The states of a dispute Perennial tells apart; gateways' finer ones (inquiries, appeals) map onto them. */
export const OPEN_DISPUTE_STATUSES = ['needs_response', 'under_review'] as const;
export type OpenDisputeStatus = (typeof OPEN_DISPUTE_STATUSES)[number];
export const DISPUTE_OUTCOMES = ['won', 'lost'] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

/** The events that carry a dispute: opened, updated, closed. */
export type GatewayDisputeEvent = Extract<
  GatewayEvent,
  { type: 'payment.disputed' | 'dispute.updated' | 'dispute.closed' }
>;

export type GatewayEventType = GatewayEvent['type'];

export interface VerifiedWebhook {
  gateway: GatewayName;
  /** The provider's event id: the key under which a delivery is stored once. */
  eventId: string;
  /** The provider's own event type, kept for the audit log. */
  providerType: string;
  /** `null` for authentic events Perennial has no use for; the endpoint acknowledges them and moves on. */
  event: GatewayEvent | null;
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface PaymentGateway {
  readonly name: GatewayName;
  createCustomer(request: CreateCustomerRequest): Promise<CustomerReference>;
  attachPaymentMethod(request: AttachPaymentMethodRequest): Promise<AttachedPaymentMethod>;
  /** Declines resolve; retryable failures throw `GatewayError` with `retryable: true`. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** The recorded outcome of an earlier charge with this key, or `null` when none was made. */
  findChargeByIdempotencyKey(idempotencyKey: string): Promise<ChargeResult | null>;
  /** Verifies the signature first; throws `GatewayError('invalid_webhook_signature')` when it does not hold. */
  parseWebhook(rawBody: string | Buffer, headers: WebhookHeaders): Promise<VerifiedWebhook>;
}
