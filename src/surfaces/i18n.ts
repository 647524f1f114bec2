import { formatAmount, formatDate, intlLocale, type DocumentLocale } from '../documents/format';

/** The languages of both surfaces: the customer's (portal) or the console user's language. */
export type Locale = DocumentLocale;
export const LOCALES: readonly Locale[] = ['de', 'en'];

export function isLocale(value: unknown): value is Locale {
  return value === 'de' || value === 'en';
}

/** For pages before anyone is known (sign-in, a refused link): the browser's first supported language. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().slice(0, 2).toLowerCase();
    if (isLocale(tag)) return tag;
  }
  return 'en';
}

/** Dates, money and numbers in one locale and time zone, all through `Intl`. */
export interface Format {
  locale: Locale;
  /** Minor units of `currency`, exact (no float): 1900 EUR → "19,00 €" / "€19.00". */
  money(amount: number, currency: string): string;
  /** A calendar date in the time zone: "2. Dezember 2026" / "December 2, 2026". */
  date(iso: string): string;
  /** Date and time to the minute, with the zone's name. */
  dateTime(iso: string): string;
  number(value: number): string;
}

export function formatFor(locale: Locale, timeZone = 'UTC'): Format {
  const dateTime = new Intl.DateTimeFormat(intlLocale(locale), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
  const numbers = new Intl.NumberFormat(intlLocale(locale));
  return {
    locale,
    money: (amount, currency) => formatAmount(amount, currency, locale),
    date: (iso) => formatDate(iso, locale, timeZone),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    number: (value) => numbers.format(value),
  };
}

/** A catalogue's entry: a plain string or a function of the values it names. */
export type Entry = string | ((...args: never[]) => string);

/**
 * Both languages of a surface must have exactly the same entries with the same parameters: `de` is typed by `en`,
 * so a missing or extra translation fails the build.
 */
export type CatalogueOf<T extends Record<string, Entry>> = { [K in keyof T]: T[K] };
