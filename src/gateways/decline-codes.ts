/**
 * The closed set of reasons a payment is declined, shared by every gateway. Dunning branches on these codes,
 * never on a provider's raw code or message, so switching providers changes no billing behaviour.
 */
export const DECLINE_CODES = [
  'generic_decline',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'lost_card',
  'stolen_card',
  'fraudulent',
  'card_not_supported',
  'currency_not_supported',
  'authentication_required',
  'card_velocity_exceeded',
  'do_not_honor',
  'processing_error',
  'try_again_later',
] as const;

export type DeclineCode = (typeof DECLINE_CODES)[number];

const declineCodes: ReadonlySet<string> = new Set(DECLINE_CODES);

export function isDeclineCode(value: string): value is DeclineCode {
  return declineCodes.has(value);
}

/**
 * Provider codes that mean the same thing as one of ours. Stripe reports some declines through `code` (e.g.
 * `expired_card`) and others through `decline_code` (e.g. `insufficient_funds`), and several issuer codes are
 * synonyms whose distinction no dunning rule uses.
 */
const ALIASES: Readonly<Record<string, DeclineCode>> = {
  card_declined: 'generic_decline',
  call_issuer: 'generic_decline',
  no_action_taken: 'generic_decline',
  not_permitted: 'generic_decline',
  restricted_card: 'generic_decline',
  revocation_of_authorization: 'generic_decline',
  revocation_of_all_authorizations: 'generic_decline',
  security_violation: 'generic_decline',
  service_not_allowed: 'generic_decline',
  stop_payment_order: 'generic_decline',
  transaction_not_allowed: 'generic_decline',
  pickup_card: 'stolen_card',
  merchant_blacklist: 'fraudulent',
  invalid_cvc: 'incorrect_cvc',
  invalid_number: 'incorrect_number',
  invalid_expiry_month: 'expired_card',
  invalid_expiry_year: 'expired_card',
  invalid_account: 'incorrect_number',
  new_account_information_available: 'incorrect_number',
  withdrawal_count_limit_exceeded: 'card_velocity_exceeded',
  invalid_amount: 'generic_decline',
  approve_with_id: 'try_again_later',
  issuer_not_available: 'try_again_later',
  reenter_transaction: 'try_again_later',
  authentication_not_handled: 'authentication_required',
  offline_pin_required: 'authentication_required',
  online_or_offline_pin_required: 'authentication_required',
  pin_try_exceeded: 'card_velocity_exceeded',
  testmode_decline: 'generic_decline',
  duplicate_transaction: 'generic_decline',
};

/**
 * Maps a provider's code to the closed set. Unknown codes become `generic_decline` rather than an error: a new
 * code invented by an issuer must still end in dunning, not in a crashed activity.
 */
export function normalizeDeclineCode(raw: string | null | undefined): DeclineCode {
  if (!raw) return 'generic_decline';
  const code = raw.trim().toLowerCase();
  if (isDeclineCode(code)) return code;
  // Own properties only: a provider code such as `constructor` must not resolve through the prototype.
  return Object.hasOwn(ALIASES, code) ? (ALIASES[code] ?? 'generic_decline') : 'generic_decline';
}

/**
 * Declines whose cause is transient on the issuer's or network's side. Gateways raise these as retryable
 * errors instead of returning them, because the same card may succeed minutes later.
 */
const TRANSIENT: ReadonlySet<DeclineCode> = new Set<DeclineCode>(['processing_error', 'try_again_later']);

export function isTransientDecline(code: DeclineCode): boolean {
  return TRANSIENT.has(code);
}

/**
 * Declines that no retry of the same payment method can fix: dunning may skip to asking the customer for a new
 * one instead of waiting out the whole retry schedule.
 */
const NEEDS_NEW_PAYMENT_METHOD: ReadonlySet<DeclineCode> = new Set<DeclineCode>([
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'lost_card',
  'stolen_card',
  'card_not_supported',
  'currency_not_supported',
]);

export function requiresNewPaymentMethod(code: DeclineCode): boolean {
  return NEEDS_NEW_PAYMENT_METHOD.has(code);
}
