import { z } from 'zod';
import { refineVatIdForCountry } from '../vat-ids';
import {
  addressResponseSchema,
  addressSchema,
  countrySchema,
  listQuerySchema,
  listResponseSchema,
  localeSchema,
  prefixedId,
  timestampSchema,
  vatIdSchema,
} from './common';

const invoiceDeliverySchema = z
  .enum(['pdf', 'xrechnung', 'zugferd'])
  .describe(
    'How invoices and credit notes are emailed: pdf (default), xrechnung (the EN 16931 XRechnung XML, CII syntax) ' +
      'or zugferd (the PDF with the ZUGFeRD/Factur-X XML embedded), for business customers whose systems read them',
  );

const buyerReferenceSchema = z
  .string()
  .min(1)
  .max(200)
  .describe('The buyer reference e-invoices carry (BT-10), e.g. a Leitweg-ID; the customer id when not set');

export const createCustomerSchema = z
  .strictObject({
    email: z.email().max(320),
    name: z.string().min(1).max(200),
    locale: localeSchema.default('en'),
    country: countrySchema,
    vat_id: vatIdSchema.nullable().optional(),
    address: addressSchema.nullable().optional(),
    test_clock_id: prefixedId('clock', 'a test clock')
      .optional()
      .describe('Attach the customer to this test clock: its subscriptions then run on simulated time'),
    invoice_delivery: invoiceDeliverySchema.default('pdf'),
    buyer_reference: buyerReferenceSchema.nullable().optional(),
  })
  .superRefine(refineVatIdForCountry);

export type CreateCustomerInput = z.infer<typeof createCustomerSchema>;

/** Only the fields given change; `null` clears `vat_id` or `address`. */
export const updateCustomerSchema = z.strictObject({
  email: z.email().max(320).optional(),
  name: z.string().min(1).max(200).optional(),
  locale: localeSchema.optional(),
  country: countrySchema.optional(),
  vat_id: vatIdSchema.nullable().optional(),
  address: addressSchema.nullable().optional(),
  invoice_delivery: invoiceDeliverySchema.optional(),
  buyer_reference: buyerReferenceSchema.nullable().optional(),
});

export type UpdateCustomerInput = z.infer<typeof updateCustomerSchema>;

export const listCustomersQuerySchema = listQuerySchema.extend({
  email: z.string().min(1).max(320).optional().describe('Only customers with exactly this email'),
  search: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Customers whose id is exactly this, or whose name or email contains it (case-insensitive)'),
  test_clock_id: prefixedId('clock', 'a test clock').optional().describe('Only customers on this test clock'),
});

export const customerResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('customer'),
  email: z.string(),
  name: z.string(),
  locale: localeSchema,
  country: z.string(),
  vat_id: z.string().nullable(),
  address: addressResponseSchema.nullable(),
  balance: z.number().int().describe('Credit the customer holds, in minor units of `balance_currency`'),
  balance_currency: z.string().nullable(),
  test_clock_id: z.string().nullable(),
  invoice_delivery: invoiceDeliverySchema,
  buyer_reference: z.string().nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export type CustomerResponse = z.infer<typeof customerResponseSchema>;

export const customerListSchema = listResponseSchema(customerResponseSchema);

export const attachPaymentMethodSchema = z.strictObject({
  gateway: z.enum(['sandbox', 'stripe']).describe('The gateway that issued the token'),
  token: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a gateway token')
    .refine((token) => !/^\d{12,19}$/.test(token), 'looks like a card number; send a gateway token instead')
    .describe('Single-use token from the gateway (sandbox: tok_visa, tok_chargeDeclined, …)'),
  default: z.boolean().optional().describe("Make it the customer's default; the first one always is"),
});

export type AttachPaymentMethodInput = z.infer<typeof attachPaymentMethodSchema>;

export const paymentMethodResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('payment_method'),
  customer_id: z.string(),
  gateway: z.string(),
  brand: z.string().nullable(),
  last4: z.string().nullable(),
  exp_month: z.number().int().nullable(),
  exp_year: z.number().int().nullable(),
  default: z.boolean(),
  created_at: timestampSchema,
});

export type PaymentMethodResponse = z.infer<typeof paymentMethodResponseSchema>;

export const paymentMethodListSchema = listResponseSchema(paymentMethodResponseSchema);
