import { DateTime } from 'luxon';
import { DomainError } from './errors';
import { assertTimeZone, formatInstant } from './instants';

export const REPORT_INTERVALS = ['day', 'week', 'month'] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];

/** More buckets than this make a report nobody reads and a request that scans the ledger for too long. */
export const MAX_REPORT_BUCKETS = 400;

/** One bucket of a report: [start, end) as UTC instants, and the label finance reads (local date or month). */
export interface ReportBucket {
  label: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function localDate(date: string, timeZone: string, param: 'from' | 'to'): DateTime {
  const parsed = DATE.test(date) ? DateTime.fromISO(date, { zone: timeZone }) : undefined;
  if (!parsed || !parsed.isValid) {
    throw new DomainError('invalid_report_range', `${param}: not a calendar date YYYY-MM-DD: ${date}`, param);
  }
  return parsed.startOf('day');
}

/** The start of the day, ISO week (Monday) or month that holds `value`, in its zone. */
function bucketStart(value: DateTime, interval: ReportInterval): DateTime {
  return value.startOf(interval === 'week' ? 'week' : interval);
}

function label(start: DateTime, interval: ReportInterval): string {
  return interval === 'month' ? start.toFormat('yyyy-MM') : start.toFormat('yyyy-MM-dd');
}

/**
 * The whole days, ISO weeks (Monday to Sunday) or calendar months of the seller's time zone that hold any day of
 * [from, to], both dates inclusive. Buckets are never cut at the range's ends, so every rate of a month is a rate
 * over that whole month whichever day the range starts on.
 */
export function reportBuckets(
  from: string,
  to: string,
  interval: ReportInterval,
  timeZone: string,
): ReportBucket[] {
  assertTimeZone(timeZone);
  const first = localDate(from, timeZone, 'from');
  const last = localDate(to, timeZone, 'to');
  if (last < first) throw new DomainError('invalid_report_range', 'to: must not be before from', 'to');
  const buckets: ReportBucket[] = [];
  for (let start = bucketStart(first, interval); start <= last;) {
    const end = start.plus({ [`${interval}s`]: 1 });
    if (buckets.length === MAX_REPORT_BUCKETS) {
      throw new DomainError(
        'invalid_report_range',
        `to: at most ${MAX_REPORT_BUCKETS} buckets per report; use a longer interval or a shorter range`,
        'to',
      );
    }
    buckets.push({
      label: label(start, interval),
      start: formatInstant(start),
      end: formatInstant(end),
      startMs: start.toMillis(),
      endMs: end.toMillis(),
    });
    start = end;
  }
  return buckets;
}

/** The calendar month of the seller's time zone that holds an instant, as its bucket. */
export function monthBucketOf(instantMs: number, timeZone: string): ReportBucket {
  assertTimeZone(timeZone);
  const start = DateTime.fromMillis(instantMs, { zone: timeZone }).startOf('month');
  const end = start.plus({ months: 1 });
  return {
    label: label(start, 'month'),
    start: formatInstant(start),
    end: formatInstant(end),
    startMs: start.toMillis(),
    endMs: end.toMillis(),
  };
}

/** The month bucket `months` after the given one. */
export function monthBucketAfter(bucket: ReportBucket, months: number, timeZone: string): ReportBucket {
  return monthBucketOf(
    DateTime.fromMillis(bucket.startMs, { zone: timeZone }).plus({ months }).toMillis(),
    timeZone,
  );
}
