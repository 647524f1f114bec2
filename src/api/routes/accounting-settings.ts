import { Router } from 'express';
import type { AccountingSettings, AccountOverrides } from '../../books/accounting-settings';
import { SellerSettings } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import {
  accountingSettingsResponseSchema,
  accountingSettingsSchema,
  type AccountingSettingsInput,
} from '../schemas/accounting';

type OverridesInput = NonNullable<AccountingSettingsInput['accounts']['skr03']>;

function toOverrides(input: OverridesInput | undefined): AccountOverrides | undefined {
  if (!input) return undefined;
  const entries: [keyof AccountOverrides, unknown][] = [
    ['receivables', input.receivables],
    ['revenueByRate', input.revenue_by_rate],
    ['vatByRate', input.vat_by_rate],
    ['revenueReverseCharge', input.revenue_reverse_charge],
    ['revenueOss', input.revenue_oss],
    ['vatOss', input.vat_oss],
    ['revenueExport', input.revenue_export],
    ['clearing', input.clearing],
    ['fees', input.fees],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as AccountOverrides;
}

function fromOverrides(overrides: AccountOverrides | undefined): OverridesInput | undefined {
  if (!overrides) return undefined;
  const entries: [keyof OverridesInput, unknown][] = [
    ['receivables', overrides.receivables],
    ['revenue_by_rate', overrides.revenueByRate],
    ['vat_by_rate', overrides.vatByRate],
    ['revenue_reverse_charge', overrides.revenueReverseCharge],
    ['revenue_oss', overrides.revenueOss],
    ['vat_oss', overrides.vatOss],
    ['revenue_export', overrides.revenueExport],
    ['clearing', overrides.clearing],
    ['fees', overrides.fees],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as OverridesInput;
}

export function toAccountingSettings(input: AccountingSettingsInput): AccountingSettings {
  const skr03 = toOverrides(input.accounts.skr03);
  const skr04 = toOverrides(input.accounts.skr04);
  return {
    chart: input.chart,
    datev: {
      ...(input.datev.consultant_number === undefined
        ? {}
        : { consultantNumber: input.datev.consultant_number }),
      ...(input.datev.client_number === undefined ? {} : { clientNumber: input.datev.client_number }),
      accountLength: input.datev.account_length,
      fiscalYearStartMonth: input.datev.fiscal_year_start_month,
    },
    accounts: { ...(skr03 ? { skr03 } : {}), ...(skr04 ? { skr04 } : {}) },
    einvoice: {
      ...(input.einvoice.contact_name === undefined ? {} : { contactName: input.einvoice.contact_name }),
      ...(input.einvoice.contact_phone === undefined ? {} : { contactPhone: input.einvoice.contact_phone }),
      ...(input.einvoice.contact_email === undefined ? {} : { contactEmail: input.einvoice.contact_email }),
    },
  };
}

export function serializeAccountingSettings(settings: AccountingSettings | null | undefined) {
  const parsed = accountingSettingsSchema.parse({});
  const skr03 = fromOverrides(settings?.accounts?.skr03);
  const skr04 = fromOverrides(settings?.accounts?.skr04);
  return {
    object: 'accounting_settings' as const,
    chart: settings?.chart ?? parsed.chart,
    datev: {
      ...(settings?.datev?.consultantNumber === undefined
        ? {}
        : { consultant_number: settings.datev.consultantNumber }),
      ...(settings?.datev?.clientNumber === undefined ? {} : { client_number: settings.datev.clientNumber }),
      account_length: settings?.datev?.accountLength ?? parsed.datev.account_length,
      fiscal_year_start_month: settings?.datev?.fiscalYearStartMonth ?? parsed.datev.fiscal_year_start_month,
    },
    accounts: { ...(skr03 ? { skr03 } : {}), ...(skr04 ? { skr04 } : {}) },
    einvoice: {
      ...(settings?.einvoice?.contactName === undefined
        ? {}
        : { contact_name: settings.einvoice.contactName }),
      ...(settings?.einvoice?.contactPhone === undefined
        ? {}
        : { contact_phone: settings.einvoice.contactPhone }),
      ...(settings?.einvoice?.contactEmail === undefined
        ? {}
        : { contact_email: settings.einvoice.contactEmail }),
    },
  };
}

/** The seller's books: DATEV numbers, chart and account overrides, the e-invoice contact. Its own resource, so a
 * `PUT /v1/settings` (which replaces the seller's details) never touches it. */
export function accountingSettingsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  async function seller(): Promise<SellerSettings> {
    const settings = await orm.em.fork().findOne(SellerSettings, 1);
    if (!settings) {
      throw new AppError('not_found', 'settings_not_configured', 'The seller settings have not been set yet');
    }
    return settings;
  }

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/settings/accounting',
      operationId: 'getAccountingSettings',
      summary: 'The seller’s accounting settings (DATEV, chart of accounts, e-invoice contact)',
      tag: 'Settings',
      response: accountingSettingsResponseSchema,
      errors: [404],
    },
    async () => serializeAccountingSettings((await seller()).accounting),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/settings/accounting',
      operationId: 'putAccountingSettings',
      summary: 'Replace the seller’s accounting settings',
      description:
        'DATEV consultant and client numbers, account length and fiscal year start for the EXTF header; the chart ' +
        '(SKR03 or SKR04) and any accounts that differ from its defaults (see docs/accounting.md); the seller ' +
        'contact e-invoices name. Replaces the whole object.',
      tag: 'Settings',
      body: accountingSettingsSchema,
      response: accountingSettingsResponseSchema,
      errors: [400, 404],
    },
    async ({ body }) => {
      const em = orm.em.fork();
      const settings = await em.findOne(SellerSettings, 1);
      if (!settings) {
        throw new AppError(
          'not_found',
          'settings_not_configured',
          'The seller settings have not been set yet',
        );
      }
      settings.accounting = toAccountingSettings(body);
      await em.flush();
      return serializeAccountingSettings(settings.accounting);
    },
  );

  return router;
}
