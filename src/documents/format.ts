import { formatMoney, money } from '../domain';
import { memoizedByKey } from '../domain/memo';

/** The languages customers can choose; everything customer-facing (emails, invoice PDFs) renders in one of them. */
export type DocumentLocale = 'de' | 'en';

export const DOCUMENT_LOCALES: readonly DocumentLocale[] = ['de', 'en'];

const INTL_LOCALES: Record<DocumentLocale, string> = { de: 'de-DE', en: 'en-US' };

export function intlLocale(locale: DocumentLocale): string {
  return INTL_LOCALES[locale];
}

/** Minor units of `currency`, formatted for the customer's language (1900 EUR → "19,00 €" / "€19.00"). */
export function formatAmount(amount: number, currency: string, locale: DocumentLocale): string {
  return formatMoney(money(amount, currency), intlLocale(locale));
}

function parseIso(iso: string): Date {
  const date = new Date(iso);
  // Intl would print "Invalid Date" for garbage; a wrong date on an invoice is worse than a failed render.
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not an ISO 8601 instant: ${iso}`);
  return date;
}

const longDate = memoizedByKey((key) => {
  const [locale, timeZone] = JSON.parse(key) as [string, string];
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });
});

/**
 * A calendar date as the customer reads it in their billing time zone: a period ending at midnight UTC may
 * still be the previous day in New York.
 */
export function formatDate(iso: string, locale: DocumentLocale, timeZone: string): string {
  return longDate(JSON.stringify([intlLocale(locale), timeZone])).format(parseIso(iso));
}

const percentFormatter = memoizedByKey(
  (locale) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }),
);

/** Basis points as a percentage (1900 → "19 %" / "19%", 810 → "8,1 %"), built from digits rather than a float. */
export function formatRate(rateBp: number, locale: DocumentLocale): string {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0) throw new RangeError(`Invalid tax rate: ${rateBp}`);
  const digits = rateBp.toString().padStart(5, '0');
  const fraction = `${digits.slice(0, -4)}.${digits.slice(-4)}` as `${number}`;
  return percentFormatter(intlLocale(locale)).format(fraction);
}
