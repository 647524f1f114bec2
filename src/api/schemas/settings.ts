import { z } from 'zod';
import { isEuMemberState } from '../../domain/eu-vat-rates';
import { refineVatIdForCountry } from '../vat-ids';
import {
  addressResponseSchema,
  addressSchema,
  countrySchema,
  currencySchema,
  localeSchema,
  timestampSchema,
  timeZoneSchema,
  vatIdSchema,
} from './common';

const DUNNING_NOTICES = ['payment_failed', 'reminder', 'second_reminder', 'final_notice'] as const;
const FINAL_ACTIONS = ['cancel', 'unpaid', 'pause'] as const;

export const dunningPolicySchema = z
  .strictObject({
    retry_offsets_days: z
      .array(z.number().int().min(1).max(365))
      .max(20)
      .describe('Days after the first failed charge at which each retry runs; strictly increasing'),
    notices: z
      .array(z.enum(DUNNING_NOTICES))
      .max(20)
      .describe('The notice sent with each failure that is followed by a retry; one per retry'),
    final_action: z.enum(FINAL_ACTIONS).describe('What happens after the last retry fails'),
  })
  .superRefine((policy, ctx) => {
    policy.retry_offsets_days.forEach((offset, index) => {
      const previous = policy.retry_offsets_days[index - 1];
      if (previous !== undefined && offset <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['retry_offsets_days', index],
          message: 'retry offsets must be strictly increasing',
        });
      }
    });
    if (policy.notices.length !== policy.retry_offsets_days.length) {
      ctx.addIssue({ code: 'custom', path: ['notices'], message: 'one notice per retry is required' });
    }
  });

const basisPointsSchema = z.number().int().min(0).max(10_000);

export const sellerTaxRateSchema = z.strictObject({
  standard: basisPointsSchema.describe('Standard rate in basis points (810 = 8.1 %)'),
  reduced: basisPointsSchema
    .optional()
    .describe('Rate of products with tax category `reduced`, in basis points; defaults to the standard rate'),
});

export const sellerTaxRatesSchema = z
  .record(countrySchema, sellerTaxRateSchema)
  .superRefine((rates, ctx) => {
    for (const country of Object.keys(rates)) {
      if (isEuMemberState(country)) {
        ctx.addIssue({
          code: 'custom',
          path: [country],
          message:
            'EU member states take their rates from the EU rates table; configure only countries outside the EU',
        });
      }
    }
  })
  .describe(
    'VAT rates of the countries outside the EU where the seller is registered, by country code, e.g. ' +
      '{"CH": {"standard": 810, "reduced": 260}}. A sale to a customer there is taxed at these rates (`zero` ' +
      'products at 0 %); a sale to any other country outside the EU carries no tax and the export note.',
  );

/** A display name goes into the From header as it is: a line break there would let it write headers of its own. */
const senderNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !/\p{Cc}/u.test(name), 'must not contain line breaks or other control characters');

export const emailSenderSchema = z.strictObject({
  name: senderNameSchema.describe('Display name, e.g. "Rösterei Beispiel"; 1–100 characters, one line'),
  address: z.email().max(254).describe('Address the emails come from, e.g. billing@roesterei.example'),
});

/** PUT replaces the whole settings object; omitted optional fields take their defaults. */
export const putSettingsSchema = z
  .strictObject({
    name: z.string().min(1).max(200).describe('Legal name printed on invoices'),
    address: addressSchema,
    country: countrySchema,
    vat_id: vatIdSchema.nullable().optional(),
    invoice_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_/-]{0,12}$/, 'must be at most 12 letters, digits, "_", "/" or "-"')
      .optional()
      .describe('Printed before the invoice number, e.g. INV- gives INV-2026-000042'),
    time_zone: timeZoneSchema.optional(),
    default_currency: currencySchema,
    dunning_policy: dunningPolicySchema
      .optional()
      .describe('Retry schedule after a failed charge; defaults to retries after 1, 3, 5 and 7 days'),
    tax_rates: sellerTaxRatesSchema
      .optional()
      .describe('Defaults to none: exports outside the EU are untaxed'),
    notification_email: z
      .email()
      .max(320)
      .nullable()
      .optional()
      .describe(
        "Where the seller's own notices go (disputes opened, won, lost; a subscription that needs attention); " +
          'none are sent without one',
      ),
    notification_locale: localeSchema.optional().describe('Language of those notices; defaults to en'),
    email_sender: emailSenderSchema
      .nullable()
      .optional()
      .describe(
        'From of the emails sent to customers (welcome, receipts, dunning, trial and renewal notices, credit ' +
          'notes). Defaults to none: they go out as `MAIL_FROM` of the worker. The address should be one the ' +
          'SMTP relay may send for (SPF, DKIM).',
      ),
  })
  .superRefine(refineVatIdForCountry);

export type PutSettingsInput = z.infer<typeof putSettingsSchema>;

export const settingsResponseSchema = z.strictObject({
  object: z.literal('settings'),
  name: z.string(),
  address: addressResponseSchema,
  country: z.string(),
  vat_id: z.string().nullable(),
  invoice_prefix: z.string(),
  time_zone: z.string(),
  default_currency: z.string(),
  dunning_policy: z.strictObject({
    retry_offsets_days: z.array(z.number().int()),
    notices: z.array(z.enum(DUNNING_NOTICES)),
    final_action: z.enum(FINAL_ACTIONS),
  }),
  tax_rates: z.record(z.string(), z.strictObject({ standard: z.number().int(), reduced: z.number().int() })),
  notification_email: z.string().nullable(),
  notification_locale: z.enum(['de', 'en']),
  email_sender: z
    .strictObject({ name: z.string(), address: z.string() })
    .nullable()
    .describe('From of the emails sent to customers; null: `MAIL_FROM` of the worker'),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export type SettingsResponse = z.infer<typeof settingsResponseSchema>;
