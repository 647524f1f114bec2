import { toUtcIso } from '../../domain/calendar';

/** Service inputs speak ISO-8601 with an offset, as the domain and activity payloads do; columns hold Dates. */
export function toDate(iso: string): Date {
  return new Date(toUtcIso(iso));
}

export function toOptionalDate(iso: string | undefined): Date | null {
  return iso === undefined ? null : toDate(iso);
}
