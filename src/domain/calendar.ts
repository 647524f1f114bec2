import type { DateTime } from 'luxon';
import { DomainError } from './errors';
import { formatInstant, parseInstant } from './instants';

export { assertTimeZone } from './instants';

export type IntervalUnit = 'day' | 'week' | 'month' | 'year';
export type Interval = { unit: IntervalUnit; count: number };
export type PeriodBounds = { start: string; end: string };

const UNITS: readonly IntervalUnit[] = ['day', 'week', 'month', 'year'];

export function assertInterval(interval: Interval): void {
  if (!UNITS.includes(interval.unit) || !Number.isSafeInteger(interval.count) || interval.count < 1) {
    throw new DomainError('invalid_interval', `Invalid interval ${JSON.stringify(interval)}`);
  }
}

/** Normalises any accepted instant to the canonical UTC form used across the public API. */
export function toUtcIso(iso: string): string {
  return formatInstant(parseInstant(iso));
}

export function epochSeconds(iso: string): number {
  return Math.floor(parseInstant(iso).toMillis() / 1000);
}

export function compareInstants(a: string, b: string): number {
  return parseInstant(a).toMillis() - parseInstant(b).toMillis();
}

/**
 * The k-th boundary is always anchor + k × interval in the billing zone's wall clock. Luxon clamps
 * month arithmetic to the last day of the target month, and because every boundary starts again from
 * the anchor, a clamp (Jan 31 → Feb 28) never leaks into the next period (→ Mar 31). A wall time that
 * does not exist on a spring-forward day moves forward by the gap, as luxon does.
 */
function boundary(anchor: DateTime, interval: Interval, k: number): DateTime {
  const steps = interval.count * k;
  switch (interval.unit) {
    case 'day':
      return anchor.plus({ days: steps });
    case 'week':
      return anchor.plus({ weeks: steps });
    case 'month':
      return anchor.plus({ months: steps });
    case 'year':
      return anchor.plus({ years: steps });
  }
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new DomainError('invalid_period', `Period index must be a non-negative integer, got ${index}`);
  }
}

export function periodBounds(
  anchorIso: string,
  interval: Interval,
  index: number,
  timeZone = 'UTC',
): PeriodBounds {
  assertInterval(interval);
  assertIndex(index);
  const anchor = parseInstant(anchorIso, timeZone);
  return {
    start: formatInstant(boundary(anchor, interval, index)),
    end: formatInstant(boundary(anchor, interval, index + 1)),
  };
}

/** The index i with start(i) ≤ instant < end(i); instants before the anchor have no period. */
export function periodIndexAt(
  anchorIso: string,
  interval: Interval,
  instantIso: string,
  timeZone = 'UTC',
): number {
  assertInterval(interval);
  const anchor = parseInstant(anchorIso, timeZone);
  const instant = parseInstant(instantIso, timeZone);
  if (instant < anchor) {
    throw new DomainError(
      'invalid_period',
      `Instant ${instantIso} is before the billing anchor ${anchorIso}`,
    );
  }
  // A calendar diff gives an estimate that DST and month clamping can put off by one either way.
  const elapsed = instant.diff(anchor, `${interval.unit}s`).as(`${interval.unit}s`);
  let index = Math.max(0, Math.floor(elapsed / interval.count));
  while (index > 0 && boundary(anchor, interval, index) > instant) index -= 1;
  while (boundary(anchor, interval, index + 1) <= instant) index += 1;
  return index;
}

/** Trial end keeps the start's wall-clock time in the billing zone, whatever DST does in between. */
export function trialEnd(startIso: string, days: number, timeZone = 'UTC'): string {
  if (!Number.isSafeInteger(days) || days < 0) {
    throw new DomainError('invalid_period', `Trial days must be a non-negative integer, got ${days}`);
  }
  return formatInstant(parseInstant(startIso, timeZone).plus({ days }));
}

/** The instant N calendar days before another one, same wall-clock time in the billing zone. */
export function reminderAt(instantIso: string, daysBefore: number, timeZone = 'UTC'): string {
  if (!Number.isSafeInteger(daysBefore) || daysBefore < 0) {
    throw new DomainError('invalid_period', `Days before must be a non-negative integer, got ${daysBefore}`);
  }
  return formatInstant(parseInstant(instantIso, timeZone).minus({ days: daysBefore }));
}

/** Calendar days later in the billing zone (dunning retries use this). */
export function addDays(instantIso: string, days: number, timeZone = 'UTC'): string {
  if (!Number.isSafeInteger(days))
    throw new DomainError('invalid_period', `Days must be an integer, got ${days}`);
  return formatInstant(parseInstant(instantIso, timeZone).plus({ days }));
}
