import { DateTime, IANAZone } from 'luxon';
import { DomainError } from './errors';
import { memoizedByKey } from './memo';

// Internal: the public API speaks ISO-8601 strings; luxon values stay inside the domain.

/** Requires an explicit offset so an instant never depends on the server's local zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

// Luxon builds an Intl.DateTimeFormat on every check; a zone's validity does not change while the process runs.
const isValidZone = memoizedByKey((zone) => IANAZone.isValidZone(zone));

export function assertTimeZone(timeZone: string): void {
  if (!isValidZone(timeZone)) {
    throw new DomainError('invalid_time_zone', `Unknown IANA time zone: ${timeZone}`);
  }
}

/** Parses an ISO-8601 instant with an offset and views it in the billing time zone. */
export function parseInstant(iso: string, timeZone = 'UTC'): DateTime {
  assertTimeZone(timeZone);
  const parsed = ISO_INSTANT.test(iso) ? DateTime.fromISO(iso, { setZone: true }) : undefined;
  if (!parsed || !parsed.isValid) {
    throw new DomainError('invalid_instant', `Not an ISO-8601 instant with offset: ${iso}`);
  }
  return parsed.setZone(timeZone);
}

export function formatInstant(value: DateTime): string {
  const iso = value.toUTC().toISO();
  if (iso === null) throw new DomainError('invalid_instant', 'Instant out of range');
  return iso;
}
