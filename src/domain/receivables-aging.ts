import { DateTime } from 'luxon';
import { DomainError } from './errors';
import type { CalendarDate } from './revenue-recognition';

/** How far past due an open amount is, in the four buckets finance reads: 0–30, 31–60, 61–90, over 90 days. */
export const AGING_BUCKETS = ['days_0_30', 'days_31_60', 'days_61_90', 'days_over_90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** Whole calendar days from the due date to `at`; never negative (an amount not yet due is 0 days past due). */
export function daysPastDue(due: CalendarDate, at: CalendarDate): number {
  const from = DateTime.fromISO(due, { zone: 'UTC' });
  const to = DateTime.fromISO(at, { zone: 'UTC' });
  if (!from.isValid || !to.isValid)
    throw new DomainError('invalid_period', `Not calendar dates: ${due}, ${at}`);
  return Math.max(0, Math.round(to.diff(from, 'days').days));
}

export function agingBucket(days: number): AgingBucket {
  if (days <= 30) return 'days_0_30';
  if (days <= 60) return 'days_31_60';
  if (days <= 90) return 'days_61_90';
  return 'days_over_90';
}

export type OpenItem = { customerId: string; currency: string; due: CalendarDate; outstanding: number };

export type AgingRow = { customerId: string; currency: string; total: number; invoices: number } & Record<
  AgingBucket,
  number
>;

/** Open amounts per customer and currency, bucketed by days past due at `at`; rows in customer, currency order. */
export function ageReceivables(items: readonly OpenItem[], at: CalendarDate): AgingRow[] {
  const rows = new Map<string, AgingRow>();
  for (const item of items) {
    if (item.outstanding === 0) continue;
    const key = `${item.customerId}\u0000${item.currency}`;
    const row = rows.get(key) ?? {
      customerId: item.customerId,
      currency: item.currency,
      days_0_30: 0,
      days_31_60: 0,
      days_61_90: 0,
      days_over_90: 0,
      total: 0,
      invoices: 0,
    };
    row[agingBucket(daysPastDue(item.due, at))] += item.outstanding;
    row.total += item.outstanding;
    row.invoices += 1;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) =>
    a.customerId === b.customerId ? (a.currency < b.currency ? -1 : 1) : a.customerId < b.customerId ? -1 : 1,
  );
}
