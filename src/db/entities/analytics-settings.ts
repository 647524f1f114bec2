import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn, currencyCheck, updatedAtColumn } from './columns';

/**
 * How the revenue figures are reported: the gross margin LTV uses (basis points, 100 % by default) and, when the
 * seller gives exchange rates, a reporting currency with one rate per other currency (exact decimal strings,
 * units of the reporting currency per unit of the other). A single row, like the seller settings.
 */
export class AnalyticsSettings {
  [OptionalProps]?: 'id' | 'grossMarginBasisPoints' | 'exchangeRates' | 'createdAt' | 'updatedAt';
  id: number = 1;
  grossMarginBasisPoints: number = 10_000;
  reportingCurrency?: string | null;
  exchangeRates: Record<string, string> = {};
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const AnalyticsSettingsSchema = new EntitySchema<AnalyticsSettings>({
  class: AnalyticsSettings,
  tableName: 'analytics_settings',
  checks: [
    { name: 'analytics_settings_single_row', expression: 'id = 1' },
    {
      name: 'analytics_settings_margin_check',
      expression: 'gross_margin_basis_points >= 0 and gross_margin_basis_points <= 10000',
    },
    {
      name: 'analytics_settings_currency_check',
      expression: `reporting_currency is null or ${currencyCheck('reporting_currency')}`,
    },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: false, default: 1 },
    grossMarginBasisPoints: { type: 'integer', default: 10_000 },
    reportingCurrency: { type: 'text', nullable: true },
    exchangeRates: { type: 'json', defaultRaw: "'{}'" },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
