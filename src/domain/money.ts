import { code as lookupCurrency } from 'currency-codes';
import { DomainError } from './errors';
import { assertSafeInteger, divideRoundHalfAwayFromZero, toSafeNumber } from './rounding';
import { memoizedByKey } from './memo';

/** An amount in the currency's minor unit (cents, yen, fils) beside its ISO 4217 code. */
export type Money = { amount: number; currency: string };

/**
 * ISO 4217 lists metals, bond units and the testing/no-currency codes with "N.A." minor units, which the
 * currency-codes package reports as 0. They are not money a subscription can be billed in.
 */
function isBillableRecord(countries: readonly string[]): boolean {
  return !countries.some((country) => country.startsWith('Zz'));
}

export function currencyExponent(currency: string): number {
  const record = /^[A-Z]{3}$/.test(currency) ? lookupCurrency(currency) : undefined;
  if (!record || !isBillableRecord(record.countries)) {
    throw new DomainError('unknown_currency', `Unknown or non-billable ISO 4217 currency: ${currency}`);
  }
  return record.digits;
}

export function isKnownCurrency(currency: string): boolean {
  try {
    currencyExponent(currency);
    return true;
  } catch {
    return false;
  }
}

export function money(amount: number, currency: string): Money {
  assertSafeInteger(amount, 'invalid_amount', 'Amount');
  currencyExponent(currency);
  // Normalises -0, which would otherwise survive into JSON comparisons as a distinct value in tests.
  return { amount: amount === 0 ? 0 : amount, currency };
}

export function zero(currency: string): Money {
  return money(0, currency);
}

export function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new DomainError('currency_mismatch', `Cannot combine ${a.currency} with ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function negate(m: Money): Money {
  return money(-m.amount, m.currency);
}

/** The currency is explicit so that an empty list still has a well-defined zero. */
export function sum(currency: string, items: readonly Money[]): Money {
  return items.reduce<Money>((total, item) => add(total, item), zero(currency));
}

export function isZero(m: Money): boolean {
  return m.amount === 0;
}

export function minMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return a.amount <= b.amount ? a : b;
}

export function maxMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return a.amount >= b.amount ? a : b;
}

/**
 * m × numerator / denominator, rounded once, half away from zero. The product is formed in bigint so
 * that amount × seconds-in-a-year cannot silently lose precision.
 */
export function multiplyByRatio(m: Money, numerator: number, denominator: number): Money {
  money(m.amount, m.currency);
  assertSafeInteger(numerator, 'invalid_ratio', 'Numerator');
  assertSafeInteger(denominator, 'invalid_ratio', 'Denominator');
  if (denominator === 0) throw new DomainError('invalid_ratio', 'Denominator must not be zero');
  const product = BigInt(m.amount) * BigInt(numerator);
  const result = divideRoundHalfAwayFromZero(product, BigInt(denominator));
  return money(toSafeNumber(result, 'Result'), m.currency);
}

/**
 * Splits m into parts proportional to weights so that the parts sum exactly to m. Each part first gets
 * the truncated share; the minor units left over go one each to the largest remainders, ties to the
 * earlier index, so the result is deterministic. A negative amount is split as its magnitude, then negated.
 */
export function allocate(m: Money, weights: readonly number[]): Money[] {
  money(m.amount, m.currency);
  if (weights.length === 0) throw new DomainError('invalid_weights', 'At least one weight is required');
  for (const weight of weights) {
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new DomainError('invalid_weights', `Weights must be non-negative safe integers, got ${weight}`);
    }
  }
  const totalWeight = weights.reduce((acc, weight) => acc + BigInt(weight), 0n);
  if (totalWeight === 0n) throw new DomainError('invalid_weights', 'Weights must not all be zero');

  const sign = m.amount < 0 ? -1n : 1n;
  const magnitude = BigInt(m.amount) * sign;
  const shares = weights.map((weight, index) => {
    const exact = magnitude * BigInt(weight);
    return { index, base: exact / totalWeight, remainder: exact % totalWeight };
  });
  let leftover = magnitude - shares.reduce((acc, share) => acc + share.base, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const bonus = new Set<number>();
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    bonus.add(share.index);
    leftover -= 1n;
  }
  return shares.map((share) => {
    const part = (share.base + (bonus.has(share.index) ? 1n : 0n)) * sign;
    return money(Number(part), m.currency);
  });
}

/** Exact decimal string of the amount (e.g. 1234 EUR → "12.34"), built from digits, never from floats. */
export function toDecimalString(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const digits = Math.abs(m.amount)
    .toString()
    .padStart(exponent + 1, '0');
  const sign = m.amount < 0 ? '-' : '';
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export type MoneyLocale = 'de-DE' | 'en-US' | (string & {});

const moneyFormatter = memoizedByKey((key) => {
  const [locale, currency] = JSON.parse(key) as [string, string];
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
});

export function formatMoney(m: Money, locale: MoneyLocale): string {
  const formatter = moneyFormatter(JSON.stringify([locale, m.currency]));
  // Intl accepts a decimal string and formats it exactly; a number would round-trip through binary floating point.
  return formatter.format(toDecimalString(m) as `${number}`);
}
