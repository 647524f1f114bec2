import { DomainError } from './errors';
import type { PricingScheme } from './pricing';

/**
 * Bounds that keep every invoice inside the safe-integer range (2^53 − 1 = 9 007 199 254 740 991), checked when a
 * price, item or subscription is created, so arithmetic at billing time can never overflow: an overflow found then
 * would stop a running subscription, while one refused at creation is a 400 the caller can fix.
 *
 * The budget (worked through in docs/billing-rules.md, "Bounds"): one item's amount for one period is at most
 * MAX_PERIOD_AMOUNT at any quantity up to its bound, and so is each setup fee and each proration line (a credit
 * or charge is a share of an item's period amount). An invoice holds at most MAX_INVOICE_LINE_AMOUNTS such amounts,
 * so its net never exceeds MAX_INVOICE_NET; tax of at most 100 % at most doubles it; discounts and credit only
 * take away. Half the safe range for the net leaves the other half for tax.
 */

/** Items (base plan, add-ons, metered prices) one subscription may hold. */
export const MAX_ITEMS_PER_SUBSCRIPTION = 20;

/** The largest quantity (seats, units) of a licensed item. */
export const MAX_QUANTITY = 100_000;

/** The largest usage one metered item may bill for one period (the aggregated quantity, e.g. API calls). */
export const MAX_USAGE_QUANTITY = 1_000_000_000;

/** The most one item may bill for one period, at any quantity up to its bound: 10^13 minor units (10^11 EUR). */
export const MAX_PERIOD_AMOUNT = 10_000_000_000_000;

/** The largest setup fee of one price. */
export const MAX_SETUP_FEE = MAX_PERIOD_AMOUNT;

/** The largest net (sum of line magnitudes) of one invoice: with tax of up to 100 % the total stays safe. */
export const MAX_INVOICE_NET = Math.floor(Number.MAX_SAFE_INTEGER / 2);

/** How many amounts of up to MAX_PERIOD_AMOUNT one invoice may add up: 450. */
export const MAX_INVOICE_LINE_AMOUNTS = Math.floor(MAX_INVOICE_NET / MAX_PERIOD_AMOUNT);

/**
 * Proration lines (one credit and one charge per item changed) one invoice may carry besides each item's period
 * amount and setup fee: 410, so 205 immediate changes whose prorations wait for the same invoice.
 */
export const MAX_PRORATION_LINES_PER_INVOICE = MAX_INVOICE_LINE_AMOUNTS - 2 * MAX_ITEMS_PER_SUBSCRIPTION;

/** The largest fixed discount of a coupon: more than any invoice can be worth is meaningless. */
export const MAX_AMOUNT_OFF = MAX_INVOICE_NET;

function amount(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('invalid_price', `${what} must be a non-negative integer amount, got ${value}`);
  }
  return BigInt(value);
}

function toNumber(value: bigint): number {
  // Exact up to 2^53 − 1; above, the nearest double is still above it, so comparisons with the bounds hold.
  return Number(value);
}

/**
 * The most a price bills for one period at any quantity from 0 to `maxQuantity`. Flat, per-unit, package and
 * graduated prices grow with the quantity, so that is their amount at `maxQuantity`; a volume price can drop when
 * a quantity reaches a cheaper tier, so it is the largest amount at the top of a tier within reach. Computed in
 * bigint: exact up to Number.MAX_SAFE_INTEGER, and above it some number that is above it too.
 */
export function maxPeriodAmount(scheme: PricingScheme, maxQuantity: number): number {
  if (!Number.isSafeInteger(maxQuantity) || maxQuantity < 0) {
    throw new DomainError(
      'invalid_quantity',
      `Quantity bound must be a non-negative integer, got ${maxQuantity}`,
    );
  }
  const quantity = BigInt(maxQuantity);
  switch (scheme.model) {
    case 'flat':
      return toNumber(amount(scheme.amount, 'Flat amount'));
    case 'per_unit':
      return toNumber(amount(scheme.unitAmount, 'Unit amount') * quantity);
    case 'package': {
      const size = amount(scheme.unitsPerPackage, 'Units per package');
      if (size === 0n) throw new DomainError('invalid_price', 'Units per package must be a positive integer');
      const packages = (quantity + size - 1n) / size;
      return toNumber(amount(scheme.packageAmount, 'Package amount') * packages);
    }
    case 'graduated':
    case 'volume': {
      let from = 1n;
      let total = 0n;
      let largest = 0n;
      for (const tier of scheme.tiers) {
        if (from > quantity) break;
        const upTo = tier.upTo === null ? quantity : amount(tier.upTo, 'Tier bound');
        const to = upTo < quantity ? upTo : quantity;
        const flat = tier.flatAmount === undefined ? 0n : amount(tier.flatAmount, 'Tier flat amount');
        const unit = amount(tier.unitAmount, 'Tier unit amount');
        // A tier whose bound does not rise above the previous one is never reached (assertTiers refuses it).
        if (to < from) continue;
        total += unit * (to - from + 1n) + flat;
        const atTop = unit * to + flat;
        if (atTop > largest) largest = atTop;
        from = to + 1n;
      }
      return toNumber(scheme.model === 'graduated' ? total : largest);
    }
  }
}

/** Which part of a price breaks its bound: the price itself, or its setup fee. */
export type PriceBoundViolation = { part: 'price' | 'setup_fee'; message: string };

/**
 * Why a price (with its setup fee) could not be billed safely for quantities up to `maxQuantity`, or null when it
 * can. For callers that must name the offending field; `assertPriceWithinBounds` throws instead.
 */
export function priceBoundViolation(
  scheme: PricingScheme,
  setupFee = 0,
  maxQuantity: number = MAX_QUANTITY,
): PriceBoundViolation | null {
  const most = maxPeriodAmount(scheme, maxQuantity);
  if (most > MAX_PERIOD_AMOUNT) {
    return {
      part: 'price',
      message:
        `The price bills up to ${most > Number.MAX_SAFE_INTEGER ? 'more than 2^53 − 1' : most} for one ` +
        `period at quantities up to ${maxQuantity}; at most ${MAX_PERIOD_AMOUNT} is allowed`,
    };
  }
  if (amount(setupFee, 'Setup fee') > BigInt(MAX_SETUP_FEE)) {
    return { part: 'setup_fee', message: `The setup fee ${setupFee} is above the allowed ${MAX_SETUP_FEE}` };
  }
  return null;
}

/**
 * Throws `amount_out_of_range` when a price could bill more than MAX_PERIOD_AMOUNT for one period at a quantity up
 * to `maxQuantity` (MAX_QUANTITY for licensed prices, MAX_USAGE_QUANTITY for metered ones), or its setup fee is
 * above MAX_SETUP_FEE. A malformed amount (negative, fractional) is `invalid_price`.
 */
export function assertPriceWithinBounds(
  scheme: PricingScheme,
  setupFee?: number,
  maxQuantity: number = MAX_QUANTITY,
): void {
  const violation = priceBoundViolation(scheme, setupFee, maxQuantity);
  if (violation) throw new DomainError('amount_out_of_range', violation.message);
}
