import Stripe from 'stripe';
import { GatewayError } from '../../../src/gateways/errors';
import {
  declineOrThrow,
  disputeFee,
  eventFromDispute,
  eventFromDisputeChange,
  gatewayErrorFromStripe,
  outcomeOfPaymentIntent,
} from '../../../src/gateways/stripe/mapping';

function intent(
  status: Stripe.PaymentIntent.Status,
  lastError: Partial<Stripe.PaymentIntent.LastPaymentError> | null = null,
) {
  return { id: 'pi_1', status, last_payment_error: lastError } as Stripe.PaymentIntent;
}

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('Stripe PaymentIntent outcomes', () => {
  test('succeeded is a success carrying the PaymentIntent id as charge id', () => {
    expect(outcomeOfPaymentIntent(intent('succeeded'))).toEqual({ status: 'succeeded', chargeId: 'pi_1' });
  });

  test('requires_payment_method is a decline with the normalized code of the last error', () => {
    expect(
      outcomeOfPaymentIntent(
        intent('requires_payment_method', {
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'No.',
        }),
      ),
    ).toEqual({ status: 'declined', declineCode: 'insufficient_funds', message: 'No.' });
    expect(outcomeOfPaymentIntent(intent('requires_payment_method', { code: 'expired_card' }))).toMatchObject(
      {
        declineCode: 'expired_card',
      },
    );
  });

  test('requires_action off-session is an authentication_required decline', () => {
    expect(outcomeOfPaymentIntent(intent('requires_action'))).toMatchObject({
      status: 'declined',
      declineCode: 'authentication_required',
    });
  });

  test('processing throws a retryable pending error; requires_capture is a non-retryable surprise', () => {
    expect(thrown(() => outcomeOfPaymentIntent(intent('processing')))).toMatchObject({
      code: 'pending',
      retryable: true,
    });
    expect(thrown(() => outcomeOfPaymentIntent(intent('requires_capture')))).toMatchObject({
      retryable: false,
    });
  });
});

describe('Stripe errors', () => {
  const cardError = (code: string, decline_code?: string) =>
    new Stripe.errors.StripeCardError({ type: 'card_error', message: 'Declined.', code, decline_code });

  test('a card error on a charge is a decline answer with a normalized code', () => {
    expect(declineOrThrow(cardError('card_declined', 'insufficient_funds'))).toEqual({
      status: 'declined',
      declineCode: 'insufficient_funds',
      message: 'Declined.',
    });
    expect(declineOrThrow(cardError('card_declined', 'do_not_honor'))).toMatchObject({
      declineCode: 'do_not_honor',
    });
    expect(declineOrThrow(cardError('expired_card'))).toMatchObject({ declineCode: 'expired_card' });
  });

  test('a processing_error card error is thrown as retryable instead of answered', () => {
    expect(thrown(() => declineOrThrow(cardError('processing_error')))).toMatchObject({
      code: 'processing_error',
      retryable: true,
    });
  });

  test.each([
    [new Stripe.errors.StripeConnectionError({ message: 'socket hang up' }), 'timeout', true],
    [new Stripe.errors.StripeRateLimitError({ message: 'slow down' }), 'rate_limited', true],
    [new Stripe.errors.StripeAPIError({ message: 'oops' }), 'processing_error', true],
    [new Stripe.errors.StripeIdempotencyError({ message: 'reused' }), 'idempotency_key_reused', false],
    [new Stripe.errors.StripeAuthenticationError({ message: 'bad key' }), 'authentication_failed', false],
    [
      new Stripe.errors.StripeInvalidRequestError({ message: 'gone', code: 'resource_missing' }),
      'not_found',
      false,
    ],
  ])('%p maps to %s (retryable: %s)', (error, code, retryable) => {
    expect(gatewayErrorFromStripe(error)).toMatchObject({ code, retryable });
  });

  test('refund-specific invalid requests become refund_exceeds_charge only during a refund', () => {
    const error = new Stripe.errors.StripeInvalidRequestError({
      message: 'too much',
      code: 'amount_too_large',
    });

    expect(gatewayErrorFromStripe(error, 'refund')).toMatchObject({ code: 'refund_exceeds_charge' });
    expect(gatewayErrorFromStripe(error, 'charge')).toMatchObject({ code: 'invalid_request' });
  });
});

describe('Stripe dispute events', () => {
  function dispute(
    status: Stripe.Dispute.Status,
    balanceTransactions: { fee: number; currency: string }[] = [],
  ): Stripe.Dispute {
    return {
      id: 'du_1',
      object: 'dispute',
      amount: 1900,
      currency: 'eur',
      reason: 'product_not_received',
      status,
      charge: 'ch_1',
      payment_intent: 'pi_1',
      metadata: {},
      balance_transactions: balanceTransactions,
    } as unknown as Stripe.Dispute;
  }
  const metadata = { invoice_id: 'in_1', subscription_id: 'sub_1' };
  const common = {
    chargeId: 'pi_1',
    disputeId: 'du_1',
    amount: { amount: 1900, currency: 'EUR' },
    reason: 'product_not_received',
    metadata,
  };

  test('a dispute opened is payment.disputed, routed by the PaymentIntent id', () => {
    expect(eventFromDispute(dispute('needs_response'), metadata)).toEqual({
      type: 'payment.disputed',
      ...common,
    });
  });

  test.each([
    ['needs_response', 'needs_response'],
    ['warning_needs_response', 'needs_response'],
    ['appeal_needs_response', 'needs_response'],
    ['under_review', 'under_review'],
    ['warning_under_review', 'under_review'],
    ['appeal_under_review', 'under_review'],
  ] as const)('an undecided dispute in Stripe status %s is dispute.updated %s', (stripeStatus, status) => {
    expect(eventFromDisputeChange(dispute(stripeStatus), metadata)).toEqual({
      type: 'dispute.updated',
      ...common,
      status,
    });
  });

  test.each([
    ['lost', 'lost'],
    ['won', 'won'],
    ['warning_closed', 'won'],
    ['prevented', 'won'],
  ] as const)('a decided dispute in Stripe status %s is dispute.closed %s', (stripeStatus, status) => {
    expect(eventFromDisputeChange(dispute(stripeStatus), metadata)).toEqual({
      type: 'dispute.closed',
      ...common,
      status,
    });
  });

  test('a status Stripe may add later is not acted on', () => {
    expect(eventFromDisputeChange(dispute('escalated' as Stripe.Dispute.Status), metadata)).toBeNull();
  });

  test("the fee is the sum of the dispute's balance transaction fees in its currency", () => {
    const withdrawn = dispute('needs_response', [{ fee: 1500, currency: 'eur' }]);
    expect(eventFromDisputeChange(withdrawn, metadata)).toMatchObject({
      type: 'dispute.updated',
      fee: { amount: 1500, currency: 'EUR' },
    });
    // Stripe returns the fee of a won dispute in some regions: nothing is left to report.
    const reinstated = dispute('won', [
      { fee: 1500, currency: 'eur' },
      { fee: -1500, currency: 'eur' },
    ]);
    expect(disputeFee(reinstated)).toBeUndefined();
    expect(eventFromDisputeChange(reinstated, metadata)).not.toHaveProperty('fee');
  });

  test("a fee settled in another currency than the dispute's is not reported, rather than converted", () => {
    expect(disputeFee(dispute('lost', [{ fee: 1500, currency: 'usd' }]))).toBeUndefined();
    expect(disputeFee(dispute('lost'))).toBeUndefined();
  });

  test('an amount in an unknown currency is an invalid payload, not a crash', () => {
    const odd = { ...dispute('lost'), currency: 'xyz' } as Stripe.Dispute;
    expect(thrown(() => eventFromDisputeChange(odd, metadata))).toMatchObject({
      code: 'invalid_webhook_payload',
    });
  });
});
