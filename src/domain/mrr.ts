import { assertInterval } from './calendar';
import { DomainError } from './errors';
import { currencyExponent } from './money';
import { divideRoundHalfAwayFromZero, toSafeNumber } from './rounding';

export type MrrInterval = { unit: 'day' | 'week' | 'month' | 'year'; count: number };

/** `amount`: minor units for one whole period at the item's quantity, without tax. */
export interface MrrItem {
  kind: 'licensed' | 'metered';
  amount: number;
}

export type MrrDiscount =
  | { type: 'percent'; basisPoints: number; recurring: boolean }
  | { type: 'amount'; amount: number; recurring: boolean };

export interface MrrSnapshot {
  status: string;
  currency: string;
  interval: MrrInterval;
  items: MrrItem[];
  discounts: MrrDiscount[];
  testMode: boolean;
}

/**
 * The statuses whose subscriptions pay a recurring amount now. `past_due` still counts: the customer has not
 * left, the invoice is being collected (its outcome is the dunning figures' business). A trial pays nothing yet,
 * a paused subscription is not invoiced, `unpaid` has given up collecting, and the final statuses are gone.
 */
export const MRR_COUNTED_STATUSES: readonly string[] = ['active', 'past_due'];

/**
 * One month as a fraction of an interval unit: month 1, year 1/12, week 52/12, day 365/12 (a year of 52 weeks
 * and of 365 days, as the billing rules normalise them). Multiplied by the period amount and divided by the
 * interval's count, it gives the amount per month.
 */
const PER_MONTH: Record<MrrInterval['unit'], { numerator: bigint; denominator: bigint }> = {
  day: { numerator: 365n, denominator: 12n },
  week: { numerator: 52n, denominator: 12n },
  month: { numerator: 1n, denominator: 1n },
  year: { numerator: 1n, denominator: 12n },
};

function assertMinorUnits(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('invalid_amount', `${what} must be a non-negative safe integer, got ${value}`);
  }
}

/**
 * The subscription's MRR in minor units of its currency.
 *
 * 0 unless the status is in MRR_COUNTED_STATUSES. Otherwise: the sum of the licensed items' period amounts
 * (metered usage is not recurring revenue, and amounts are without tax), less the recurring discounts applied in
 * their order as an invoice applies them (a percentage of what is left, an amount capped at what is left), times
 * the interval's months-per-period factor (month ÷ count, year ÷ (12 × count), week × 52 ÷ (12 × count),
 * day × 365 ÷ (12 × count)). All of it is exact rational arithmetic; the result is rounded half away from zero to
 * the minor unit once, at the end, so a quarterly 100.00 is 33.33 and a yearly 100.00 is 8.33.
 */
export function subscriptionMrr(snapshot: MrrSnapshot): number {
  currencyExponent(snapshot.currency);
  assertInterval(snapshot.interval);
  for (const item of snapshot.items) assertMinorUnits(item.amount, 'Item amount');
  for (const discount of snapshot.discounts) {
    if (discount.type === 'percent') {
      const bp = discount.basisPoints;
      if (!Number.isSafeInteger(bp) || bp < 0 || bp > 10_000) {
        throw new DomainError('invalid_coupon', `Percent off must be 0 to 10000 basis points, got ${bp}`);
      }
    } else assertMinorUnits(discount.amount, 'Discount amount');
  }
  if (!MRR_COUNTED_STATUSES.includes(snapshot.status)) return 0;

  // The period amount as numerator / denominator; percentages multiply the denominator instead of rounding.
  let numerator = snapshot.items
    .filter((item) => item.kind === 'licensed')
    .reduce((total, item) => total + BigInt(item.amount), 0n);
  let denominator = 1n;
  for (const discount of snapshot.discounts) {
    if (!discount.recurring) continue;
    if (discount.type === 'percent') {
      numerator *= BigInt(10_000 - discount.basisPoints);
      denominator *= 10_000n;
    } else {
      const off = BigInt(discount.amount) * denominator;
      numerator = numerator > off ? numerator - off : 0n;
    }
  }
  const perMonth = PER_MONTH[snapshot.interval.unit];
  const monthly = divideRoundHalfAwayFromZero(
    numerator * perMonth.numerator,
    denominator * perMonth.denominator * BigInt(snapshot.interval.count),
  );
  return toSafeNumber(monthly, 'MRR');
}

export const MRR_MOVEMENT_KINDS = ['new', 'expansion', 'contraction', 'churn', 'reactivation'] as const;
export type MrrMovementKind = (typeof MRR_MOVEMENT_KINDS)[number];

/**
 * What a change of one subscription's MRR from `before` to `after` is: `new` when it first counts, `reactivation`
 * when it counts again after having counted and dropped to 0, `churn` when it drops to 0, `expansion` and
 * `contraction` for a change between two positive amounts; `null` when nothing changed.
 */
export function classifyMovement(
  before: number,
  after: number,
  everCountedBefore: boolean,
): MrrMovementKind | null {
  assertMinorUnits(before, 'MRR before');
  assertMinorUnits(after, 'MRR after');
  if (before === after) return null;
  if (before === 0) return everCountedBefore ? 'reactivation' : 'new';
  if (after === 0) return 'churn';
  return after > before ? 'expansion' : 'contraction';
}

/** The last movement recorded for a subscription: where its next movement starts. */
export interface LedgerTip {
  sequence: number;
  mrrAfter: number;
}

export interface LedgerStep {
  sequence: number;
  kind: MrrMovementKind;
  mrrBefore: number;
  mrrAfter: number;
  delta: number;
}

/**
 * The movement that takes a subscription's ledger from its tip to `after`, or `null` when the MRR is unchanged.
 * It starts from what the ledger holds, not from what a caller believes the MRR was, so the ledger's movements
 * always chain (each before is the previous after) and add up to the subscription's MRR. The recorder and the
 * rebuild both step through here.
 */
export function nextLedgerStep(tip: LedgerTip | null, after: number): LedgerStep | null {
  const before = tip?.mrrAfter ?? 0;
  const kind = classifyMovement(before, after, tip !== null);
  if (kind === null) return null;
  return {
    sequence: (tip?.sequence ?? 0) + 1,
    kind,
    mrrBefore: before,
    mrrAfter: after,
    delta: after - before,
  };
}

/**
 * Trial marks of a status change: a trial starts when a subscription enters `trialing`, and converts when it
 * leaves `trialing` for a status that counts MRR (its first invoice is due: active, or past_due while it is being
 * collected), the same instant its `new` movement is recorded. Leaving a trial for paused, canceled or anything
 * else is not a conversion.
 */
export function trialTransition(
  previousStatus: string | null,
  status: string,
): { trialStarted: boolean; trialConverted: boolean } {
  const wasTrialing = previousStatus === 'trialing';
  return {
    trialStarted: status === 'trialing' && !wasTrialing,
    trialConverted: wasTrialing && MRR_COUNTED_STATUSES.includes(status),
  };
}
