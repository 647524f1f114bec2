import { toUtcIso } from '../../domain/calendar';

/** Service inputs speak ISO-8601 with an offset, as the domain and activity payloads do; columns hold Dates. */
export function toDate(iso: string): Date {
  return new Date(toUtcIso(iso));
}

export function toOptionalDate(iso: string | undefined): Date | null {
  return iso === undefined ? null : toDate(iso);
}

/** SQL for a timestamptz column as epoch milliseconds: raw queries get timestamps as text, this needs no parsing. */
export const epochMs = (column: string): string => `(extract(epoch from ${column}) * 1000)::bigint`;
