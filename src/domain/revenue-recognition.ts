import { DateTime } from 'luxon';
import { allocateSigned, type TaxPart } from './allocation';
import { DomainError } from './errors';
import { parseInstant } from './instants';
import { assertSafeInteger } from './rounding';

/**
 * Revenue recognition, straight-line per day. Every amount here is net (after the line's share of the invoice's
 * discounts, without VAT) in minor units of the invoice's currency; every date is a calendar day (`YYYY-MM-DD`)
 * of the seller's time zone.
 *
 * - A line with a service period is recognised over the days of that period, each day weighted by the seconds of
 *   the period that fall on it (a partial first or last day, a 23-hour DST day weigh less), by largest remainder,
 *   so the days add up to the line's net exactly.
 * - A line without a period (a one-off charge) is recognised at once, on the day the invoice was finalized.
 * - Nothing is recognised before the document that books it: days of the service period before the invoice's
 *   finalization day are caught up on that day, so a closed month's figures never change afterwards.
 * - A credit note, a refund or a void reverses a line pro rata: its share of the line is spread over the line's
 *   days like the line itself, the part of days already passed reversed on the day of the reversal (recognised
 *   part) and the rest taken off the days still to come (deferred part).
 */

export type CalendarDate = string;

export type DailyAmount = { date: CalendarDate; amount: number };

export type RevenueLine = {
  id: string;
  /** Signed amount as invoiced (a proration credit is negative); tax-inclusive lines carry their gross. */
  amount: number;
  /** Discount lines carry no revenue of their own: they lower the net of the lines they discount. */
  discount: boolean;
  /** The rate the line was taxed at, when the invoice records one per line; else the invoice's lines are one group. */
  taxRateBp?: number;
  periodStart?: string;
  periodEnd?: string;
};

/** What the invoice's totals say about its net: the tax lines' `taxable` per rate, or the whole total untaxed. */
export type RevenueInvoice = { lines: readonly RevenueLine[]; parts: readonly TaxPart[] };

/** A document that takes revenue back from an invoice: its net per rate (credit note lines, a refund's split). */
export type RevenueReversal = {
  source: string;
  at: string;
  parts: readonly Pick<TaxPart, 'rateBp' | 'taxable'>[];
};

/** One booking of net revenue (a line, or one reversal's share of it) and the days it is recognised on. */
export type RevenueMovement = {
  lineId: string;
  /** The invoice, credit note or refund that books it. */
  source: string;
  bookedOn: CalendarDate;
  net: number;
  /** Dates never before `bookedOn`; Σ amount = net. */
  schedule: DailyAmount[];
};

export function calendarDate(iso: string, timeZone: string): CalendarDate {
  return parseInstant(iso, timeZone).toISODate() as CalendarDate;
}

function groupKey(line: Pick<RevenueLine, 'taxRateBp'>, grouped: boolean): string {
  return grouped ? String(line.taxRateBp) : 'all';
}

/**
 * Each non-discount line's net: the rate group's `taxable` spread over the group's lines in proportion to their
 * amounts (largest remainder). Lines whose amounts already are their net (no discount, prices without tax) keep
 * them unchanged. Rate groups are used only when every line carries its rate.
 */
export function lineNetAmounts(invoice: RevenueInvoice): Map<string, number> {
  const items = invoice.lines.filter((line) => !line.discount);
  const grouped =
    invoice.parts.length > 1 && items.every((line) => line.taxRateBp !== undefined) && items.length > 0;
  const targets = new Map<string, number>();
  for (const part of invoice.parts) {
    const key = grouped ? String(part.rateBp) : 'all';
    targets.set(key, (targets.get(key) ?? 0) + part.taxable);
  }
  const nets = new Map<string, number>();
  for (const [key, target] of targets) {
    const group = items.filter((line) => groupKey(line, grouped) === key);
    if (group.length === 0) {
      if (target !== 0)
        throw new DomainError('invalid_invoice', `No line carries the net ${target} of ${key}`);
      continue;
    }
    const amounts = group.map((line) => line.amount);
    const gross = amounts.reduce((acc, amount) => acc + amount, 0);
    const split = gross === target ? amounts : allocateSigned(target, amounts);
    group.forEach((line, index) => nets.set(line.id, split[index] ?? 0));
  }
  return nets;
}

/**
 * The net spread over the service period's calendar days, each weighted by the milliseconds of `[start, end)` on it.
 * Without a period (or an empty one) everything falls on `fallbackDate`.
 */
export function dailySplit(
  net: number,
  period: { start: string; end: string } | undefined,
  timeZone: string,
  fallbackDate: CalendarDate,
): DailyAmount[] {
  assertSafeInteger(net, 'invalid_amount', 'Net');
  if (!period) return [{ date: fallbackDate, amount: net }];
  const start = parseInstant(period.start, timeZone);
  const end = parseInstant(period.end, timeZone);
  if (end <= start) return [{ date: fallbackDate, amount: net }];
  const days: CalendarDate[] = [];
  const weights: number[] = [];
  const startMs = start.toMillis();
  const endMs = end.toMillis();
  // Calendar arithmetic in the zone keeps each day's bounds right across DST; the overlap is plain arithmetic.
  for (let day = start.startOf('day'); day.toMillis() < endMs;) {
    const next = day.plus({ days: 1 });
    const milliseconds = Math.min(next.toMillis(), endMs) - Math.max(day.toMillis(), startMs);
    if (milliseconds > 0) {
      days.push(day.toISODate() as CalendarDate);
      weights.push(milliseconds);
    }
    day = next;
  }
  const split = allocateSigned(net, weights);
  return days.map((date, index) => ({ date, amount: split[index] ?? 0 }));
}

/** Days before `from` are recognised on `from`: nothing is recognised before the document that books it exists. */
export function catchUp(days: readonly DailyAmount[], from: CalendarDate): DailyAmount[] {
  const result = new Map<CalendarDate, number>();
  for (const day of days) {
    const date = day.date < from ? from : day.date;
    result.set(date, (result.get(date) ?? 0) + day.amount);
  }
  return [...result]
    .filter(([, amount]) => amount !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, amount]) => ({ date, amount }));
}

export type RecognitionInput = {
  invoiceId: string;
  finalizedAt: string;
  invoice: RevenueInvoice;
  /** Credit notes, refunds and a void, each with its net per rate. */
  reversals: readonly RevenueReversal[];
  timeZone: string;
};

/**
 * The movements of one finalized invoice: each line's net on its days, and each reversal's share of each line,
 * spread over the line's days (pro rata of the line's own daily amounts) and caught up on the reversal's day.
 */
export function recognizeInvoice(input: RecognitionInput): RevenueMovement[] {
  const { timeZone } = input;
  const bookedOn = calendarDate(input.finalizedAt, timeZone);
  const nets = lineNetAmounts(input.invoice);
  const lines = input.invoice.lines.filter((line) => !line.discount);
  const raw = new Map<string, DailyAmount[]>();
  const movements: RevenueMovement[] = [];
  for (const line of lines) {
    const net = nets.get(line.id) ?? 0;
    const period =
      line.periodStart !== undefined && line.periodEnd !== undefined
        ? { start: line.periodStart, end: line.periodEnd }
        : undefined;
    const days = dailySplit(net, period, timeZone, bookedOn);
    raw.set(line.id, days);
    movements.push({
      lineId: line.id,
      source: input.invoiceId,
      bookedOn,
      net,
      schedule: catchUp(days, bookedOn),
    });
  }
  const grouped =
    input.invoice.parts.length > 1 && lines.length > 0 && lines.every((line) => line.taxRateBp !== undefined);
  for (const reversal of input.reversals) {
    const reversedOn = calendarDate(reversal.at, timeZone);
    const day = reversedOn < bookedOn ? bookedOn : reversedOn;
    const targets = new Map<string, number>();
    for (const part of reversal.parts) {
      const key = grouped ? String(part.rateBp) : 'all';
      targets.set(key, (targets.get(key) ?? 0) + part.taxable);
    }
    for (const [key, target] of targets) {
      if (target === 0) continue;
      const group = lines.filter((line) => groupKey(line, grouped) === key && (nets.get(line.id) ?? 0) !== 0);
      if (group.length === 0) {
        throw new DomainError(
          'invalid_invoice',
          `${reversal.source} reverses ${target} where the invoice has none`,
        );
      }
      const shares = allocateSigned(
        -target,
        group.map((line) => nets.get(line.id) ?? 0),
      );
      group.forEach((line, index) => {
        const share = shares[index] ?? 0;
        if (share === 0) return;
        const days = raw.get(line.id) ?? [];
        const split = allocateSigned(
          share,
          days.map((entry) => entry.amount),
        );
        const reversedDays = days.map((entry, position) => ({
          date: entry.date,
          amount: split[position] ?? 0,
        }));
        movements.push({
          lineId: line.id,
          source: reversal.source,
          bookedOn: day,
          net: share,
          schedule: catchUp(reversedDays, day),
        });
      });
    }
  }
  return movements;
}

export type RevenueInterval = 'day' | 'week' | 'month';

/** The first day of the bucket a date falls in: the day itself, the Monday of its ISO week, or the 1st. */
export function bucketStart(date: CalendarDate, interval: RevenueInterval): CalendarDate {
  const day = DateTime.fromISO(date, { zone: 'UTC' });
  if (!day.isValid) throw new DomainError('invalid_period', `Not a calendar date: ${date}`);
  const start = interval === 'day' ? day : day.startOf(interval === 'week' ? 'week' : 'month');
  return start.toISODate() as CalendarDate;
}

/** Net recognised on each day of `[from, to]` (both inclusive), summed per key and bucket. */
export function recognizedByBucket<T>(
  movements: readonly (RevenueMovement & { dimensions: T })[],
  from: CalendarDate,
  to: CalendarDate,
  interval: RevenueInterval,
  keyOf: (dimensions: T) => string,
): Map<string, { bucket: CalendarDate; dimensions: T; amount: number }> {
  const result = new Map<string, { bucket: CalendarDate; dimensions: T; amount: number }>();
  for (const movement of movements) {
    for (const day of movement.schedule) {
      if (day.date < from || day.date > to) continue;
      const bucket = bucketStart(day.date, interval);
      const key = `${bucket}\u0000${keyOf(movement.dimensions)}`;
      const row = result.get(key) ?? { bucket, dimensions: movement.dimensions, amount: 0 };
      row.amount += day.amount;
      result.set(key, row);
    }
  }
  return result;
}

/** Net booked by documents dated on or before `date`. */
export function invoicedThrough(movements: readonly RevenueMovement[], date: CalendarDate): number {
  return movements.filter((m) => m.bookedOn <= date).reduce((acc, m) => acc + m.net, 0);
}

/** Net recognised on days up to and including `date`. */
export function recognizedThrough(movements: readonly RevenueMovement[], date: CalendarDate): number {
  return movements.reduce(
    (acc, m) => acc + m.schedule.filter((day) => day.date <= date).reduce((sum, day) => sum + day.amount, 0),
    0,
  );
}

/**
 * The balance still to be recognised at the end of `date`: what documents dated by then have booked for the days
 * after it. Read from the schedules alone; that it equals invoiced − recognised is what the tests prove.
 */
export function deferredAt(movements: readonly RevenueMovement[], date: CalendarDate): number {
  return movements
    .filter((m) => m.bookedOn <= date)
    .reduce(
      (acc, m) => acc + m.schedule.filter((day) => day.date > date).reduce((sum, day) => sum + day.amount, 0),
      0,
    );
}
