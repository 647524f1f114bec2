import type Stripe from 'stripe';
import { DomainError } from '../../domain/errors';
import { money, type Money } from '../../domain/money';
import { isTransientDecline, normalizeDeclineCode } from '../decline-codes';
import { GatewayError, type GatewayErrorCode } from '../errors';
import type {
  ChargeResult,
  DisputeOutcome,
  GatewayDisputeEvent,
  GatewayEvent,
  GatewayMetadata,
  OpenDisputeStatus,
} from '../types';

/**
 * Pure translations between Stripe's objects and the gateway vocabulary, kept apart from the HTTP calls so that
 * the cases stripe-mock cannot produce (declines, pending intents, every error class) are unit-testable.
 */

/** Stripe reports currencies in lower case; ISO 4217 and `Money` use upper case. */
export function stripeMoney(
  amount: number,
  currency: string,
  errorCode: GatewayErrorCode = 'invalid_request',
): Money {
  try {
    return money(amount, currency.toUpperCase());
  } catch (error) {
    if (error instanceof DomainError) throw new GatewayError(errorCode, `Stripe amount: ${error.message}`);
    throw error;
  }
}

export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.id;
}

function declineFromLastError(
  lastError: Stripe.PaymentIntent.LastPaymentError | null | undefined,
  fallbackMessage: string,
): Extract<ChargeResult, { status: 'declined' }> {
  return {
    status: 'declined',
    declineCode: normalizeDeclineCode(lastError?.decline_code || lastError?.code),
    message: lastError?.message ?? fallbackMessage,
  };
}

/**
 * With `confirm: true, off_session: true` a card either succeeds or the create call throws a card error, so the
 * other statuses only appear on lookups or exotic methods. Each is still given a meaning rather than a guess.
 */
export function outcomeOfPaymentIntent(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', chargeId: intent.id };
    case 'requires_payment_method':
      return declineFromLastError(intent.last_payment_error, 'The payment method was declined.');
    case 'requires_action':
      // Off-session there is no customer to complete 3-D Secure; Stripe's own answer to that is this decline.
      return {
        status: 'declined',
        declineCode: 'authentication_required',
        message: 'The card issuer requires the customer to authenticate this payment.',
      };
    case 'canceled':
      return declineFromLastError(intent.last_payment_error, 'The payment was canceled.');
    case 'processing':
      throw new GatewayError('pending', `PaymentIntent ${intent.id} is still processing`);
    default:
      throw new GatewayError(
        'invalid_request',
        `PaymentIntent ${intent.id} is in status ${intent.status}, which an automatic off-session charge never reaches`,
      );
  }
}

interface StripeErrorLike {
  type: string;
  message: string;
  code?: string;
  decline_code?: string;
}

function isStripeError(error: unknown): error is StripeErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    (error as { type: string }).type.startsWith('Stripe')
  );
}

/**
 * Every Stripe failure as a `GatewayError`. Errors without an answer are retryable: Stripe's idempotency keys
 * (and chargeOnce's lookup) make the retry safe even where the first attempt did reach Stripe.
 */
export function gatewayErrorFromStripe(
  error: unknown,
  during: 'charge' | 'refund' | 'other' = 'other',
): GatewayError {
  if (error instanceof GatewayError) return error;
  if (!isStripeError(error)) {
    return new GatewayError('unavailable', `Stripe call failed: ${String(error)}`, { cause: error });
  }
  const options = { cause: error };
  switch (error.type) {
    case 'StripeConnectionError':
      return new GatewayError('timeout', `No answer from Stripe: ${error.message}`, options);
    case 'StripeRateLimitError':
      return new GatewayError('rate_limited', error.message, options);
    case 'StripeAPIError':
      return new GatewayError('processing_error', error.message, options);
    case 'StripeIdempotencyError':
      return new GatewayError('idempotency_key_reused', error.message, options);
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new GatewayError('authentication_failed', error.message, options);
    case 'StripeCardError':
      // Outside a charge (declineOrThrow handles those) a card error means the card cannot be used at all.
      return new GatewayError('invalid_request', error.message, options);
    case 'StripeInvalidRequestError':
      if (error.code === 'resource_missing') return new GatewayError('not_found', error.message, options);
      if (
        during === 'refund' &&
        (error.code === 'charge_already_refunded' || error.code === 'amount_too_large')
      ) {
        return new GatewayError('refund_exceeds_charge', error.message, options);
      }
      return new GatewayError('invalid_request', error.message, options);
    default:
      return new GatewayError('unavailable', error.message, options);
  }
}

/**
 * A card error on a charge is an answer (a decline), except the transient ones, which are thrown to be retried.
 * Everything else is a `GatewayError`.
 */
export function declineOrThrow(error: unknown): ChargeResult {
  if (isStripeError(error) && error.type === 'StripeCardError') {
    // The SDK sets decline_code to '' when Stripe sent none, so `??` would never reach `code` (e.g. expired_card).
    const declineCode = normalizeDeclineCode(error.decline_code || error.code);
    if (isTransientDecline(declineCode)) {
      throw new GatewayError('processing_error', error.message, { cause: error });
    }
    return { status: 'declined', declineCode, message: error.message };
  }
  throw gatewayErrorFromStripe(error, 'charge');
}

export type StripeEventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

/** Events whose object is enough as is; refunds and disputes need the PaymentIntent's metadata looked up. */
export function eventFromPaymentIntent(
  event: StripeEventOf<'payment_intent.succeeded'> | StripeEventOf<'payment_intent.payment_failed'>,
): GatewayEvent {
  const intent = event.data.object;
  if (event.type === 'payment_intent.succeeded') {
    return {
      type: 'payment.succeeded',
      chargeId: intent.id,
      amount: stripeMoney(intent.amount, intent.currency, 'invalid_webhook_payload'),
      metadata: intent.metadata,
    };
  }
  const decline = declineFromLastError(intent.last_payment_error, 'The payment failed.');
  return {
    type: 'payment.failed',
    chargeId: intent.id,
    declineCode: decline.declineCode,
    message: decline.message,
    metadata: intent.metadata,
  };
}

export function eventFromRefundedCharge(charge: Stripe.Charge, metadata: GatewayMetadata): GatewayEvent {
  return {
    type: 'payment.refunded',
    chargeId: idOf(charge.payment_intent) ?? charge.id,
    amountRefunded: stripeMoney(charge.amount_refunded, charge.currency, 'invalid_webhook_payload'),
    fullyRefunded: charge.refunded,
    metadata,
  };
}

export function eventFromDispute(dispute: Stripe.Dispute, metadata: GatewayMetadata): GatewayEvent {
  return {
    type: 'payment.disputed',
    chargeId: idOf(dispute.payment_intent) ?? idOf(dispute.charge) ?? '',
    disputeId: dispute.id,
    amount: stripeMoney(dispute.amount, dispute.currency, 'invalid_webhook_payload'),
    reason: dispute.reason,
    metadata,
  };
}

/** Stripe's inquiries (`warning_*`) and appeals are disputes still waiting for the issuer, as far as money goes. */
const OPEN_STATUSES: Partial<Record<Stripe.Dispute.Status, OpenDisputeStatus>> = {
  warning_needs_response: 'needs_response',
  needs_response: 'needs_response',
  appeal_needs_response: 'needs_response',
  warning_under_review: 'under_review',
  under_review: 'under_review',
  appeal_under_review: 'under_review',
};

/** An inquiry closed without a chargeback, or a prevented dispute, leaves the money with the seller: won. */
const OUTCOMES: Partial<Record<Stripe.Dispute.Status, DisputeOutcome>> = {
  won: 'won',
  warning_closed: 'won',
  prevented: 'won',
  lost: 'lost',
};

/**
 * The dispute fee from the dispute's balance transactions, when they are in the dispute's currency. A fee settled in
 * another currency (the account's settlement currency differs from the charge's) cannot be billed in the charge's
 * currency without a conversion Perennial does not make, so it is left unreported.
 */
export function disputeFee(dispute: Stripe.Dispute): Money | undefined {
  const transactions = dispute.balance_transactions ?? [];
  if (transactions.length === 0) return undefined;
  if (transactions.some((transaction) => transaction.currency !== dispute.currency)) return undefined;
  const fee = transactions.reduce((sum, transaction) => sum + transaction.fee, 0);
  return fee > 0 ? stripeMoney(fee, dispute.currency, 'invalid_webhook_payload') : undefined;
}

/**
 * `charge.dispute.updated`, `.funds_withdrawn`, `.funds_reinstated` and `.closed`, by the dispute's status rather
 * than the event's name: Stripe does not promise the order of deliveries, and the status is what the dispute is
 * now. `null` for a status Stripe may add later, acknowledged like any event Perennial does not act on.
 */
export function eventFromDisputeChange(
  dispute: Stripe.Dispute,
  metadata: GatewayMetadata,
): GatewayDisputeEvent | null {
  const common = {
    chargeId: idOf(dispute.payment_intent) ?? idOf(dispute.charge) ?? '',
    disputeId: dispute.id,
    amount: stripeMoney(dispute.amount, dispute.currency, 'invalid_webhook_payload'),
    reason: dispute.reason,
    metadata,
  };
  const fee = disputeFee(dispute);
  const withFee = fee ? { fee } : {};
  const outcome = OUTCOMES[dispute.status];
  if (outcome) return { type: 'dispute.closed', ...common, status: outcome, ...withFee };
  const open = OPEN_STATUSES[dispute.status];
  if (open) return { type: 'dispute.updated', ...common, status: open, ...withFee };
  return null;
}
