import { DomainError } from './errors';
import { assertSafeInteger, toSafeNumber } from './rounding';
import type { TaxLine } from './tax';

/** Floor division of bigints with a positive divisor, and the non-negative remainder it leaves. */
function floorDivide(numerator: bigint, divisor: bigint): { quotient: bigint; remainder: bigint } {
  let quotient = numerator / divisor;
  let remainder = numerator % divisor;
  if (remainder < 0n) {
    quotient -= 1n;
    remainder += divisor;
  }
  return { quotient, remainder };
}

/**
 * Splits `total` in proportion to signed weights so that the parts add up to `total` exactly (largest remainder).
 * Unlike `allocate`, weights may be negative: an invoice's lines include proration credits, and its net is
 * spread over all of them. Each part starts as the floor of its exact share; the minor units left over go one
 * each to the largest fractional remainders, ties to the earlier index, so the result is deterministic. A negative
 * total is split as its magnitude, then negated (as `allocate` does), so taking back mirrors giving.
 * Weights summing to zero can only carry a zero total.
 */
export function allocateSigned(total: number, weights: readonly number[]): number[] {
  assertSafeInteger(total, 'invalid_amount', 'Total');
  if (total < 0) return allocateSigned(-total, weights).map((part) => (part === 0 ? 0 : -part));
  if (weights.length === 0) throw new DomainError('invalid_weights', 'At least one weight is required');
  for (const weight of weights) {
    if (!Number.isSafeInteger(weight)) {
      throw new DomainError('invalid_weights', `Weights must be safe integers, got ${weight}`);
    }
  }
  const sum = weights.reduce((acc, weight) => acc + BigInt(weight), 0n);
  if (sum === 0n) {
    if (total !== 0) throw new DomainError('invalid_weights', `Weights sum to zero; cannot carry ${total}`);
    return weights.map(() => 0);
  }
  // A negative sum is the same split with every sign flipped, so the divisor is always positive.
  const sign = sum < 0n ? -1n : 1n;
  const divisor = sum * sign;
  const shares = weights.map((weight, index) => ({
    index,
    ...floorDivide(BigInt(total) * BigInt(weight) * sign, divisor),
  }));
  let leftover = BigInt(total) - shares.reduce((acc, share) => acc + share.quotient, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const bonus = new Set<number>();
  for (const share of byRemainder) {
    if (leftover <= 0n) break;
    bonus.add(share.index);
    leftover -= 1n;
  }
  return shares.map((share) => toSafeNumber(share.quotient + (bonus.has(share.index) ? 1n : 0n), 'Part'));
}

/** One tax rate's part of a document: its net (`taxable`) and its tax, as the invoice's tax lines carry them. */
export type TaxPart = Pick<TaxLine, 'rateBp' | 'reverseCharge' | 'inclusive'> & {
  taxable: number;
  tax: number;
};

/**
 * The rate groups of an invoice: its tax lines, or one untaxed group holding the whole total when the invoice
 * has none (a seller outside the EU, an export without a configured rate). Σ (taxable + tax) = total.
 */
export function invoiceTaxParts(taxes: readonly TaxLine[], total: number): TaxPart[] {
  if (taxes.length === 0) {
    return [{ rateBp: 0, reverseCharge: false, inclusive: false, taxable: total, tax: 0 }];
  }
  const parts = taxes.map((tax) => ({
    rateBp: tax.rateBp,
    reverseCharge: tax.reverseCharge,
    inclusive: tax.inclusive,
    taxable: tax.taxable,
    tax: tax.amount,
  }));
  const covered = parts.reduce((acc, part) => acc + part.taxable + part.tax, 0);
  if (covered !== total) {
    throw new DomainError('invalid_invoice', `Tax lines cover ${covered}, the invoice totals ${total}`);
  }
  return parts;
}

/**
 * The VAT split of a gross amount taken from an invoice (a credit note, a refund): pro rata of the invoice's tax
 * lines, each rate's net and tax a weight of its own, by largest remainder. The parts add up to `gross` exactly,
 * and crediting the whole invoice gives back exactly its tax lines.
 */
export function splitGrossByTaxes(gross: number, taxes: readonly TaxLine[], invoiceTotal: number): TaxPart[] {
  const parts = invoiceTaxParts(taxes, invoiceTotal);
  const split = allocateSigned(
    gross,
    parts.flatMap((part) => [part.taxable, part.tax]),
  );
  return parts.map((part, index) => ({
    ...part,
    taxable: split[2 * index] ?? 0,
    tax: split[2 * index + 1] ?? 0,
  }));
}
