import { z } from 'zod';

const account = z.number().int().min(1).max(99_999_999);

/** Rates are basis points as keys (`"1900"` = 19 %). */
const accountsByRate = z.record(z.string().regex(/^\d{1,5}$/, 'must be a rate in basis points'), account);

const accountOverridesSchema = z
  .strictObject({
    receivables: account.optional().describe('Collective receivables account'),
    revenue_by_rate: accountsByRate.optional().describe('Domestic revenue per VAT rate (automatic accounts)'),
    vat_by_rate: accountsByRate.optional().describe('The VAT account of each domestic rate (plain journal)'),
    revenue_reverse_charge: account.optional().describe('Services to EU businesses, reverse charge'),
    revenue_oss: account.optional().describe('Services to consumers in other member states (OSS), net'),
    vat_oss: account.optional().describe('VAT owed in other member states through the OSS'),
    revenue_export: account.optional().describe('Services to customers outside the EU'),
    clearing: account.optional().describe('Payment provider clearing account (Geldtransit)'),
    fees: account.optional().describe("The payment provider's fees"),
  })
  .describe('Overrides of the chart’s default accounts; what is left out keeps its default');

export const accountingSettingsSchema = z.strictObject({
  chart: z.enum(['skr03', 'skr04']).default('skr03').describe('Default chart of accounts of exports'),
  datev: z
    .strictObject({
      consultant_number: z.number().int().min(1001).max(9_999_999).optional().describe('Beraternummer'),
      client_number: z.number().int().min(1).max(99_999).optional().describe('Mandantennummer'),
      account_length: z
        .number()
        .int()
        .min(4)
        .max(8)
        .default(4)
        .describe('Sachkontenlänge: digits of a general ledger account (debtors have one more)'),
      fiscal_year_start_month: z.number().int().min(1).max(12).default(1).describe('Wirtschaftsjahresbeginn'),
    })
    .default({ account_length: 4, fiscal_year_start_month: 1 }),
  accounts: z
    .strictObject({ skr03: accountOverridesSchema.optional(), skr04: accountOverridesSchema.optional() })
    .default({}),
  einvoice: z
    .strictObject({
      contact_name: z.string().min(1).max(200).optional(),
      contact_phone: z.string().min(3).max(50).optional(),
      contact_email: z.email().max(320).optional(),
    })
    .default({})
    .describe(
      'The seller contact every XRechnung names (BT-41 to BT-43); the email is also its electronic address',
    ),
});

export type AccountingSettingsInput = z.output<typeof accountingSettingsSchema>;

export const accountingSettingsResponseSchema = accountingSettingsSchema.extend({
  object: z.literal('accounting_settings'),
});
