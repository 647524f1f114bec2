import type { DeclineCode } from '../decline-codes';

/**
 * What each documented test token does when charged. Named after Stripe's test tokens so that a test written
 * against the sandbox reads the same against Stripe's test mode. Documented in docs/payments.md.
 */
export type TokenBehaviour =
  | { kind: 'succeed' }
  | { kind: 'decline'; declineCode: DeclineCode; message: string }
  /** Fails before anything is recorded: the retry may simply charge. */
  | { kind: 'processing_error' }
  /** Records the charge, then fails as a timeout: only an idempotency-key lookup reveals the charge. */
  | { kind: 'timeout_after_charge' }
  /** Succeeds; `emitDispute` can then produce the dispute webhook. */
  | { kind: 'succeed_then_dispute' };

export interface TestToken {
  behaviour: TokenBehaviour;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

function card(brand: string, last4: string, behaviour: TokenBehaviour): TestToken {
  // A fixed expiry keeps attach results deterministic; the expired-card decline is a charge outcome, as at Stripe.
  return { behaviour, brand, last4, expMonth: 12, expYear: 2034 };
}

export const TEST_TOKENS = {
  tok_visa: card('visa', '4242', { kind: 'succeed' }),
  tok_mastercard: card('mastercard', '4444', { kind: 'succeed' }),
  tok_chargeDeclined: card('visa', '0002', {
    kind: 'decline',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  }),
  tok_chargeDeclinedInsufficientFunds: card('visa', '9995', {
    kind: 'decline',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  }),
  tok_chargeDeclinedExpiredCard: card('visa', '0069', {
    kind: 'decline',
    declineCode: 'expired_card',
    message: 'Your card has expired.',
  }),
  tok_processingError: card('visa', '0119', { kind: 'processing_error' }),
  tok_timeoutAfterCharge: card('visa', '0077', { kind: 'timeout_after_charge' }),
  tok_chargeDispute: card('visa', '0259', { kind: 'succeed_then_dispute' }),
} as const satisfies Record<string, TestToken>;

export type TestTokenName = keyof typeof TEST_TOKENS;

export const TEST_TOKEN_NAMES = Object.keys(TEST_TOKENS) as TestTokenName[];

export function isTestTokenName(value: string): value is TestTokenName {
  return Object.prototype.hasOwnProperty.call(TEST_TOKENS, value);
}
