import { DomainError } from './errors';
import { currencyExponent } from './money';
import { divideRoundHalfAwayFromZero, toSafeNumber } from './rounding';

/** Places of every rate the figures report: 4, so a rate is exact to the basis point ("0.0523" = 5.23 %). */
export const RATE_PLACES = 4;

type Integer = number | bigint;

/**
 * numerator ÷ denominator as a decimal string with `places` digits, rounded half away from zero from the exact
 * quotient (never through a float); `null` when the denominator is 0, because a rate of nothing is undefined,
 * not 0 % and not 100 %.
 */
export function decimalRatio(numerator: Integer, denominator: Integer, places = RATE_PLACES): string | null {
  const d = BigInt(denominator);
  if (d === 0n) return null;
  const scaled = divideRoundHalfAwayFromZero(BigInt(numerator) * 10n ** BigInt(places), d);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

/** numerator ÷ denominator in whole minor units, rounded half away from zero; `null` on a zero denominator. */
export function roundedQuotient(numerator: Integer, denominator: Integer): number | null {
  const d = BigInt(denominator);
  if (d === 0n) return null;
  return toSafeNumber(divideRoundHalfAwayFromZero(BigInt(numerator), d), 'Quotient');
}

/** A positive decimal written with digits and at most one point, e.g. "1.0850"; up to 12 places. */
const DECIMAL = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** An exact positive decimal as value = numerator ÷ 10^scale. */
export interface ExactDecimal {
  numerator: bigint;
  scale: number;
}

export function parsePositiveDecimal(text: string): ExactDecimal {
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new DomainError('invalid_exchange_rate', `Not a positive decimal number: ${text}`);
  }
  const fraction = match[2] ?? '';
  const numerator = BigInt(`${match[1]}${fraction}`);
  if (numerator === 0n) throw new DomainError('invalid_exchange_rate', 'An exchange rate must not be 0');
  return { numerator, scale: fraction.length };
}

/**
 * Converts an amount of `from` minor units into `to` minor units at `rate` (units of `to` per unit of `from`):
 * amount × rate × 10^(exponent(to) − exponent(from)), rounded half away from zero once. 100.00 USD at "0.92" is
 * 92.00 EUR; 1000 JPY at "0.0061" is 6.10 EUR.
 */
export function convertMinorUnits(amount: number, from: string, to: string, rate: string): number {
  if (!Number.isSafeInteger(amount)) {
    throw new DomainError('invalid_amount', `Amount must be a safe integer, got ${amount}`);
  }
  const { numerator, scale } = parsePositiveDecimal(rate);
  const shift = currencyExponent(to) - currencyExponent(from);
  let top = BigInt(amount) * numerator;
  let bottom = 10n ** BigInt(scale);
  if (shift >= 0) top *= 10n ** BigInt(shift);
  else bottom *= 10n ** BigInt(-shift);
  return toSafeNumber(divideRoundHalfAwayFromZero(top, bottom), 'Converted amount');
}
