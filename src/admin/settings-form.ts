import type { PutSettingsInput, SettingsResponse } from '../api/schemas/settings';
import { intlLocale } from '../documents/format';
import type { Locale } from '../surfaces/i18n';

/**
 * A percentage as an operator types it ("8.1", "8,10", "19", "2.6 %") → basis points (810, 810, 1900, 260), from
 * the digits alone: the decimal string never becomes a float on its way to the integer. Null when it is not a
 * percentage with at most two decimals; the API refuses what lies outside 0–100 %.
 */
export function basisPointsOfPercent(text: string): number | null {
  const match = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.trim().replace(/\s*%$/, ''));
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Basis points as the form's input shows them, two decimals in the console user's separator: 810 → "8.10" / "8,10". */
export function percentInputOf(basisPoints: number, locale: Locale): string {
  const cents = String(basisPoints % 100).padStart(2, '0');
  return `${Math.trunc(basisPoints / 100)}${locale === 'de' ? ',' : '.'}${cents}`;
}

/** Basis points as a percentage with two decimals through `Intl`: 810 → "8.10%" / "8,10 %". */
export function formatPercent(basisPoints: number, locale: Locale): string {
  if (!Number.isSafeInteger(basisPoints) || basisPoints < 0)
    throw new RangeError(`Not a rate in basis points: ${basisPoints}`);
  const digits = String(basisPoints).padStart(5, '0');
  // A decimal string, which Intl formats exactly (as `formatRate` of the documents does).
  const fraction = `${digits.slice(0, -4)}.${digits.slice(-4)}` as `${number}`;
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'percent',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(fraction);
}

/**
 * The PUT body that stores the settings as they are. `PUT /v1/settings` replaces the whole object, so every console
 * form starts from this and changes only its own fields: saving the seller details keeps the tax rates, the
 * notification address and the email sender, and a tax rate saved keeps everything else.
 */
export function putBodyOf(settings: SettingsResponse): PutSettingsInput {
  const { line1, line2, postal_code, city, region, country } = settings.address;
  return {
    name: settings.name,
    address: {
      line1,
      ...(line2 ? { line2 } : {}),
      postal_code,
      city,
      ...(region ? { region } : {}),
      country,
    },
    country: settings.country,
    vat_id: settings.vat_id,
    invoice_prefix: settings.invoice_prefix,
    time_zone: settings.time_zone,
    default_currency: settings.default_currency,
    dunning_policy: settings.dunning_policy,
    tax_rates: settings.tax_rates,
    notification_email: settings.notification_email,
    notification_locale: settings.notification_locale,
    email_sender: settings.email_sender,
  };
}

/** Which of the tax form's fields an API refusal of `tax_rates` names: `tax_rates.CH.standard` → `standard`. */
export function taxRateFieldOf(param: string | undefined): 'country' | 'standard' | 'reduced' | null {
  if (!param || !(param === 'tax_rates' || param.startsWith('tax_rates.'))) return null;
  const last = param.split('.')[2];
  return last === 'standard' || last === 'reduced' ? last : 'country';
}
