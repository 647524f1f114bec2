import { compareInstants } from './calendar';
import { DomainError } from './errors';
import { money, sum, type Money } from './money';

/** One tier; `upTo` is inclusive and `null` means "and above". Amounts are minor units. */
export type Tier = { upTo: number | null; unitAmount: number; flatAmount?: number };

export type PricingScheme =
  | { model: 'flat'; amount: number }
  | { model: 'per_unit'; unitAmount: number }
  | { model: 'package'; packageAmount: number; unitsPerPackage: number }
  | { model: 'graduated'; tiers: Tier[] }
  | { model: 'volume'; tiers: Tier[] };

export type Price = { currency: string; scheme: PricingScheme; setupFee?: number };

export type PricedLine = {
  description: string;
  quantity: number;
  unitAmount?: number;
  amount: Money;
};

function assertQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new DomainError('invalid_quantity', `Quantity must be a non-negative integer, got ${quantity}`);
  }
}

function assertNonNegativeAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('invalid_price', `${what} must be a non-negative integer amount, got ${value}`);
  }
}

/** Tiers must rise strictly and end open, so every quantity falls into exactly one tier. */
export function assertTiers(tiers: readonly Tier[]): void {
  if (tiers.length === 0) throw new DomainError('invalid_price', 'At least one tier is required');
  let previous = 0;
  tiers.forEach((tier, index) => {
    assertNonNegativeAmount(tier.unitAmount, 'Tier unit amount');
    if (tier.flatAmount !== undefined) assertNonNegativeAmount(tier.flatAmount, 'Tier flat amount');
    const last = index === tiers.length - 1;
    if (last !== (tier.upTo === null)) {
      throw new DomainError(
        'invalid_price',
        'Only the last tier, and it alone, must be open-ended (upTo: null)',
      );
    }
    if (tier.upTo !== null) {
      if (!Number.isSafeInteger(tier.upTo) || tier.upTo <= previous) {
        throw new DomainError('invalid_price', 'Tier bounds must be increasing positive integers');
      }
      previous = tier.upTo;
    }
  });
}

export function assertPrice(price: Price): void {
  money(0, price.currency);
  if (price.setupFee !== undefined) assertNonNegativeAmount(price.setupFee, 'Setup fee');
  const scheme = price.scheme;
  switch (scheme.model) {
    case 'flat':
      return assertNonNegativeAmount(scheme.amount, 'Flat amount');
    case 'per_unit':
      return assertNonNegativeAmount(scheme.unitAmount, 'Unit amount');
    case 'package':
      assertNonNegativeAmount(scheme.packageAmount, 'Package amount');
      if (!Number.isSafeInteger(scheme.unitsPerPackage) || scheme.unitsPerPackage < 1) {
        throw new DomainError('invalid_price', 'Units per package must be a positive integer');
      }
      return;
    case 'graduated':
    case 'volume':
      return assertTiers(scheme.tiers);
  }
}

function line(
  description: string,
  quantity: number,
  unitAmount: number | undefined,
  amount: number,
  currency: string,
): PricedLine {
  return unitAmount === undefined
    ? { description, quantity, amount: money(amount, currency) }
    : { description, quantity, unitAmount, amount: money(amount, currency) };
}

function tierLabel(from: number, upTo: number | null): string {
  return upTo === null ? `${from} and above` : `${from}–${upTo}`;
}

/**
 * The lines a price produces for a quantity. Graduated pricing yields one line per tier touched, so the
 * customer can check each tier by hand; the other models yield one line.
 */
export function priceLines(price: Price, quantity: number, description: string): PricedLine[] {
  assertPrice(price);
  assertQuantity(quantity);
  const { currency, scheme } = price;
  switch (scheme.model) {
    case 'flat':
      return [line(description, 1, scheme.amount, scheme.amount, currency)];
    case 'per_unit':
      return [line(description, quantity, scheme.unitAmount, scheme.unitAmount * quantity, currency)];
    case 'package': {
      const packages = Math.ceil(quantity / scheme.unitsPerPackage);
      return [
        line(
          `${description} (${packages} × ${scheme.unitsPerPackage} units)`,
          packages,
          scheme.packageAmount,
          scheme.packageAmount * packages,
          currency,
        ),
      ];
    }
    case 'graduated': {
      const lines: PricedLine[] = [];
      let from = 1;
      for (const tier of scheme.tiers) {
        if (from > quantity) break;
        const to = tier.upTo === null ? quantity : Math.min(tier.upTo, quantity);
        const units = to - from + 1;
        const amount = tier.unitAmount * units + (tier.flatAmount ?? 0);
        lines.push(
          line(
            `${description} (tier ${tierLabel(from, tier.upTo)})`,
            units,
            tier.unitAmount,
            amount,
            currency,
          ),
        );
        from = to + 1;
      }
      return lines.length > 0 ? lines : [line(description, 0, scheme.tiers[0]?.unitAmount, 0, currency)];
    }
    case 'volume': {
      const tier = scheme.tiers.find((candidate) => candidate.upTo === null || quantity <= candidate.upTo);
      if (!tier) throw new DomainError('invalid_price', 'No tier covers the quantity');
      const amount = quantity === 0 ? 0 : tier.unitAmount * quantity + (tier.flatAmount ?? 0);
      return [line(description, quantity, tier.unitAmount, amount, currency)];
    }
  }
}

export function priceAmount(price: Price, quantity: number): Money {
  return sum(
    price.currency,
    priceLines(price, quantity, '').map((priced) => priced.amount),
  );
}

/** The one-off fee billed on the first invoice of a subscription only. */
export function setupFeeLine(price: Price, description = 'Setup fee'): PricedLine | null {
  assertPrice(price);
  if (price.setupFee === undefined || price.setupFee === 0) return null;
  return line(description, 1, price.setupFee, price.setupFee, price.currency);
}

export type UsageAggregation = 'sum' | 'max' | 'unique_count';

/** `value` identifies what unique_count counts (e.g. an active user id); `quantity` feeds sum and max. */
export type UsageRecord = { id: string; timestamp: string; quantity: number; value?: string };

/**
 * Aggregates the usage of [periodStart, periodEnd). Records repeating an id count once (the first
 * wins), mirroring the ingestion rule that duplicates are ignored.
 */
export function aggregateUsage(
  records: readonly UsageRecord[],
  aggregation: UsageAggregation,
  periodStart: string,
  periodEnd: string,
): number {
  const seen = new Set<string>();
  const inPeriod: UsageRecord[] = [];
  for (const record of records) {
    if (!Number.isSafeInteger(record.quantity) || record.quantity < 0) {
      throw new DomainError(
        'invalid_usage',
        `Usage quantity must be a non-negative integer, got ${record.quantity}`,
      );
    }
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    if (
      compareInstants(record.timestamp, periodStart) >= 0 &&
      compareInstants(record.timestamp, periodEnd) < 0
    ) {
      inPeriod.push(record);
    }
  }
  switch (aggregation) {
    case 'sum': {
      const total = inPeriod.reduce((acc, record) => acc + record.quantity, 0);
      if (!Number.isSafeInteger(total))
        throw new DomainError('invalid_usage', 'Usage total exceeds the safe range');
      return total;
    }
    case 'max':
      return inPeriod.reduce((acc, record) => Math.max(acc, record.quantity), 0);
    case 'unique_count':
      return new Set(inPeriod.map((record) => record.value ?? record.id)).size;
  }
}
