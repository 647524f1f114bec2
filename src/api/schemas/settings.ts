import { z } from 'zod';
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

/** PUT replaces the whole settings object; omitted optional fields take their defaults. */
export const putSettingsSchema = z.strictObject({
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
  notification_email: z
    .email()
    .max(320)
    .nullable()
    .optional()
    .describe("Where the seller's own notices go (disputes opened, won, lost); none are sent without one"),
  notification_locale: localeSchema.optional().describe('Language of those notices; defaults to en'),
});

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
  notification_email: z.string().nullable(),
  notification_locale: z.enum(['de', 'en']),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export type SettingsResponse = z.infer<typeof settingsResponseSchema>;
