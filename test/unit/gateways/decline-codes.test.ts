import fc from 'fast-check';
import {
  DECLINE_CODES,
  isDeclineCode,
  isTransientDecline,
  normalizeDeclineCode,
  requiresNewPaymentMethod,
} from '../../../src/gateways/decline-codes';

describe('decline code normalization', () => {
  test('every code of the closed set maps to itself, whatever its case or padding', () => {
    for (const code of DECLINE_CODES) {
      expect(normalizeDeclineCode(code)).toBe(code);
      expect(normalizeDeclineCode(` ${code.toUpperCase()} `)).toBe(code);
    }
  });

  test.each([
    ['card_declined', 'generic_decline'],
    ['do_not_honor', 'do_not_honor'],
    ['insufficient_funds', 'insufficient_funds'],
    ['expired_card', 'expired_card'],
    ['invalid_cvc', 'incorrect_cvc'],
    ['pickup_card', 'stolen_card'],
    ['merchant_blacklist', 'fraudulent'],
    ['withdrawal_count_limit_exceeded', 'card_velocity_exceeded'],
    ['issuer_not_available', 'try_again_later'],
    ['offline_pin_required', 'authentication_required'],
    ['processing_error', 'processing_error'],
  ])('the provider code %s becomes %s', (raw, expected) => {
    expect(normalizeDeclineCode(raw)).toBe(expected);
  });

  test('missing and unknown codes become generic_decline rather than failing', () => {
    expect(normalizeDeclineCode(undefined)).toBe('generic_decline');
    expect(normalizeDeclineCode(null)).toBe('generic_decline');
    expect(normalizeDeclineCode('')).toBe('generic_decline');
    expect(normalizeDeclineCode('a_code_issuers_invent_next_year')).toBe('generic_decline');
    expect(normalizeDeclineCode('constructor')).toBe('generic_decline');
    expect(normalizeDeclineCode('__proto__')).toBe('generic_decline');
  });

  test('normalization always lands inside the closed set', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        expect(isDeclineCode(normalizeDeclineCode(raw))).toBe(true);
      }),
    );
  });

  test('only processing errors and try-again-later are transient, and no transient code asks for a new card', () => {
    expect(DECLINE_CODES.filter(isTransientDecline)).toEqual(['processing_error', 'try_again_later']);
    expect(
      DECLINE_CODES.filter((code) => isTransientDecline(code) && requiresNewPaymentMethod(code)),
    ).toEqual([]);
  });

  test('an expired card asks for a new payment method; insufficient funds waits for the next retry', () => {
    expect(requiresNewPaymentMethod('expired_card')).toBe(true);
    expect(requiresNewPaymentMethod('insufficient_funds')).toBe(false);
    expect(requiresNewPaymentMethod('generic_decline')).toBe(false);
  });
});
