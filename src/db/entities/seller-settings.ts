import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { DunningPolicy } from '../../domain/dunning';
import type { AccountingSettings } from '../../books/accounting-settings';
import type { SellerTaxRate } from '../../domain/tax';
import { countryCheck, createdAtColumn, currencyCheck, updatedAtColumn, type PostalAddress } from './columns';

export const NOTIFICATION_LOCALES = ['de', 'en'] as const;
export type NotificationLocale = (typeof NOTIFICATION_LOCALES)[number];

/** The From of the customers' emails when the seller sets one; `MAIL_FROM` otherwise. */
export interface EmailSender {
  name: string;
  address: string;
}

/** The one seller this installation bills for; the check on `id` keeps it a single row. */
export class SellerSettings {
  [OptionalProps]?:
    'id' | 'invoicePrefix' | 'timeZone' | 'notificationLocale' | 'taxRates' | 'createdAt' | 'updatedAt';
  id: number = 1;
  name!: string;
  address!: PostalAddress;
  country!: string;
  vatId?: string | null;
  /** Printed before the year: `INV-` gives `INV-2026-000042`; empty gives `2026-000042`. */
  invoicePrefix: string = '';
  timeZone: string = 'UTC';
  defaultCurrency!: string;
  dunningPolicy!: DunningPolicy;
  /** Where the seller's own notices (disputes) go; none are sent while it is unset. */
  notificationEmail?: string | null;
  notificationLocale: NotificationLocale = 'en';
  /** From of the emails the outbox relay sends; unset, they go out as `MAIL_FROM`. */
  emailSender?: EmailSender | null;
  /** Rates of the countries outside the EU where the seller is registered, keyed by country code. */
  taxRates: Record<string, Exclude<SellerTaxRate, number>> = {};
  /** DATEV numbers, chart of accounts and account overrides, e-invoice contact (`PUT /v1/settings/accounting`). */
  accounting?: AccountingSettings | null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const SellerSettingsSchema = new EntitySchema<SellerSettings>({
  class: SellerSettings,
  tableName: 'seller_settings',
  checks: [
    { name: 'seller_settings_single_row', expression: 'id = 1' },
    { name: 'seller_settings_country_check', expression: countryCheck('country') },
    { name: 'seller_settings_currency_check', expression: currencyCheck('default_currency') },
    { name: 'seller_settings_prefix_check', expression: `invoice_prefix ~ '^[A-Za-z0-9_/-]{0,12}$'` },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: false, default: 1 },
    name: { type: 'text' },
    address: { type: 'json' },
    country: { type: 'text' },
    vatId: { type: 'text', nullable: true },
    invoicePrefix: { type: 'text', default: '' },
    timeZone: { type: 'text', default: 'UTC' },
    defaultCurrency: { type: 'text' },
    dunningPolicy: { type: 'json' },
    notificationEmail: { type: 'text', nullable: true },
    notificationLocale: { type: 'text', enum: true, items: [...NOTIFICATION_LOCALES], default: 'en' },
    emailSender: { type: 'json', nullable: true },
    taxRates: { type: 'json', defaultRaw: "'{}'" },
    accounting: { type: 'json', nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
