import { epochSeconds, toUtcIso } from './calendar';
import { DomainError } from './errors';
import { assertSameCurrency, multiplyByRatio, negate, type Money } from './money';

export type ChangeTiming = 'immediately' | 'period_end';
export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** What the subscription costs for one whole period (price × quantity, already priced). */
export type PeriodCharge = { description: string; amount: Money };

export type ProrationLine = {
  kind: 'proration_credit' | 'proration_charge';
  description: string;
  amount: Money;
  periodStart: string;
  periodEnd: string;
};

export type ChangeInput = {
  current: PeriodCharge;
  next: PeriodCharge;
  periodStart: string;
  periodEnd: string;
  changeAt: string;
  /** Defaults by direction: an upgrade applies immediately, a downgrade or equal price at period end. */
  timing?: ChangeTiming;
  /** Defaults to `always_invoice` for immediate changes: PRODUCT.md bills upgrades at once. */
  proration?: ProrationBehavior;
};

export type ChangePreview = {
  timing: ChangeTiming;
  proration: ProrationBehavior;
  effectiveAt: string;
  lines: ProrationLine[];
  /** True when the lines are to be invoiced and charged now rather than added to the next renewal. */
  invoiceNow: boolean;
};

export function isUpgrade(current: Money, next: Money): boolean {
  assertSameCurrency(current, next);
  return next.amount > current.amount;
}

export function defaultTiming(current: Money, next: Money): ChangeTiming {
  return isUpgrade(current, next) ? 'immediately' : 'period_end';
}

/**
 * Seconds of the period still ahead at `changeAt`, and the period's length. Instants are truncated to
 * whole seconds: proration is to the second, and sub-second parts must not change an amount.
 */
export function remainingSeconds(
  periodStart: string,
  periodEnd: string,
  changeAt: string,
): { remaining: number; length: number } {
  const start = epochSeconds(periodStart);
  const end = epochSeconds(periodEnd);
  const at = epochSeconds(changeAt);
  if (end <= start)
    throw new DomainError('invalid_period', `Period end ${periodEnd} is not after ${periodStart}`);
  if (at < start || at > end) {
    throw new DomainError(
      'invalid_period',
      `Change at ${changeAt} lies outside ${periodStart} – ${periodEnd}`,
    );
  }
  return { remaining: end - at, length: end - start };
}

/** Credit for the unused part of a period: also what an immediate cancel or pause returns. */
export function unusedCredit(periodAmount: Money, periodStart: string, periodEnd: string, at: string): Money {
  const { remaining, length } = remainingSeconds(periodStart, periodEnd, at);
  return negate(multiplyByRatio(periodAmount, remaining, length));
}

export function prorationLines(input: Omit<ChangeInput, 'timing' | 'proration'>): ProrationLine[] {
  assertSameCurrency(input.current.amount, input.next.amount);
  const { remaining, length } = remainingSeconds(input.periodStart, input.periodEnd, input.changeAt);
  if (remaining === 0) return [];
  const from = toUtcIso(input.changeAt);
  const to = toUtcIso(input.periodEnd);
  const credit = negate(multiplyByRatio(input.current.amount, remaining, length));
  const charge = multiplyByRatio(input.next.amount, remaining, length);
  return [
    {
      kind: 'proration_credit',
      description: `Unused time on ${input.current.description}`,
      amount: credit,
      periodStart: from,
      periodEnd: to,
    },
    {
      kind: 'proration_charge',
      description: `Remaining time on ${input.next.description}`,
      amount: charge,
      periodStart: from,
      periodEnd: to,
    },
  ];
}

/** The exact effect of a price or quantity change, without changing anything. */
export function previewChange(input: ChangeInput): ChangePreview {
  assertSameCurrency(input.current.amount, input.next.amount);
  remainingSeconds(input.periodStart, input.periodEnd, input.changeAt);
  const timing = input.timing ?? defaultTiming(input.current.amount, input.next.amount);
  if (timing === 'period_end') {
    return {
      timing,
      proration: 'none',
      effectiveAt: toUtcIso(input.periodEnd),
      lines: [],
      invoiceNow: false,
    };
  }
  const proration = input.proration ?? 'always_invoice';
  const lines = proration === 'none' ? [] : prorationLines(input);
  return {
    timing,
    proration,
    effectiveAt: toUtcIso(input.changeAt),
    lines,
    invoiceNow: proration === 'always_invoice' && lines.length > 0,
  };
}

/** One priced item of a subscription at a moment: what a whole period of it costs at its quantity. */
export type ProratedItem = { id: string; description: string; amount: Money };

export type ItemProrationLine = ProrationLine & { itemId: string };

/**
 * The proration of a change of items, item by item: for every item whose period amount changes, a credit of the old
 * amount for the unused fraction and a charge of the new amount for the remaining fraction, each rounded half away
 * from zero on its own line. An item whose amount stays the same produces no lines; an added item only a charge; a
 * removed item only a credit. The sum of the lines differs from (new − old) × remaining ÷ length by at most one
 * minor unit per line.
 */
export function itemProrationLines(input: {
  before: readonly ProratedItem[];
  after: readonly ProratedItem[];
  periodStart: string;
  periodEnd: string;
  changeAt: string;
}): ItemProrationLine[] {
  const { remaining, length } = remainingSeconds(input.periodStart, input.periodEnd, input.changeAt);
  if (remaining === 0) return [];
  const from = toUtcIso(input.changeAt);
  const to = toUtcIso(input.periodEnd);
  const ids = [...new Set([...input.before.map((item) => item.id), ...input.after.map((item) => item.id)])];
  const lines: ItemProrationLine[] = [];
  for (const id of ids) {
    const old = input.before.find((item) => item.id === id);
    const next = input.after.find((item) => item.id === id);
    if (old && next) assertSameCurrency(old.amount, next.amount);
    if (old && next && old.amount.amount === next.amount.amount) continue;
    if (old && old.amount.amount !== 0) {
      lines.push({
        itemId: id,
        kind: 'proration_credit',
        description: `Unused time on ${old.description}`,
        amount: negate(multiplyByRatio(old.amount, remaining, length)),
        periodStart: from,
        periodEnd: to,
      });
    }
    if (next && next.amount.amount !== 0) {
      lines.push({
        itemId: id,
        kind: 'proration_charge',
        description: `Remaining time on ${next.description}`,
        amount: multiplyByRatio(next.amount, remaining, length),
        periodStart: from,
        periodEnd: to,
      });
    }
  }
  return lines;
}
