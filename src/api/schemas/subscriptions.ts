import { z } from 'zod';
import {
  currencySchema,
  listQuerySchema,
  listResponseSchema,
  prefixedId,
  timeZoneSchema,
  timestampSchema,
} from './common';

const planId = prefixedId('plan', 'a plan');
const customerId = prefixedId('cus', 'a customer');
const paymentMethodId = prefixedId('pm', 'a payment method');
const quantity = z.number().int().min(1).max(100000).describe('Units (seats) billed per period');

export const createSubscriptionSchema = z.strictObject({
  customer_id: customerId,
  plan_id: planId,
  currency: currencySchema.optional().describe("Defaults to the seller's default currency"),
  quantity: quantity.optional(),
  trial_days: z.number().int().min(0).max(730).optional().describe("Overrides the plan's trial"),
  payment_method_id: paymentMethodId.optional().describe("Defaults to the customer's default payment method"),
  time_zone: timeZoneSchema.optional().describe('Billing time zone for calendar arithmetic (default UTC)'),
  trial_end_behavior: z
    .enum(['cancel', 'pause'])
    .optional()
    .describe('What happens when a trial ends without a payment method (default cancel)'),
});

export const listSubscriptionsQuerySchema = listQuerySchema.extend({
  status: z
    .enum(['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused', 'canceled', 'ended'])
    .optional(),
  customer_id: customerId.optional(),
  plan_id: planId.optional(),
});

export const cancelSubscriptionSchema = z.strictObject({
  at: z.enum(['period_end', 'immediately']).default('period_end'),
  unused: z
    .enum(['refund', 'credit', 'none'])
    .optional()
    .describe('Immediate cancellation only: what happens to the unused, paid part of the period'),
  reason: z.string().max(500).optional(),
});

export const pauseSubscriptionSchema = z.strictObject({
  at: z.enum(['immediately', 'period_end']).default('immediately'),
  resumes_at: timestampSchema.optional(),
});

export const changeSubscriptionSchema = z.strictObject({
  plan_id: planId.optional(),
  quantity: quantity.optional(),
  timing: z
    .enum(['immediately', 'period_end'])
    .optional()
    .describe(
      'Default by direction: an upgrade applies immediately, a downgrade or an equal price at period end',
    ),
});

const prorationLineSchema = z.strictObject({
  kind: z.literal('proration'),
  description: z.string(),
  amount: z.number().int().describe('Minor units; a credit for unused time is negative'),
  period_start: timestampSchema,
  period_end: timestampSchema,
});

export const changePreviewResponseSchema = z.strictObject({
  object: z.literal('subscription_change_preview'),
  subscription_id: z.string(),
  plan_id: z.string(),
  quantity: z.number().int(),
  currency: z.string(),
  timing: z.enum(['immediately', 'period_end']),
  effective_at: timestampSchema,
  invoice_now: z
    .boolean()
    .describe(
      'True when the change would be invoiced and charged at once; otherwise the next invoice bills it',
    ),
  lines: z.array(prorationLineSchema).describe('Before tax, as the change invoice would carry them'),
  total: z.number().int().describe('Sum of the lines, before tax and credit balance'),
});
export type ChangePreviewResponse = z.output<typeof changePreviewResponseSchema>;

export const updatePaymentMethodSchema = z.strictObject({ payment_method_id: paymentMethodId });

export const applyCouponSchema = z.strictObject({
  coupon: z.string().min(1).max(100).describe('The coupon code'),
});

export const emptyBodySchema = z.strictObject({});

const instant = timestampSchema.nullable();

export const subscriptionResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('subscription'),
  customer_id: z.string(),
  plan_id: z.string(),
  status: z.string(),
  quantity: z.number().int(),
  currency: z.string(),
  billing_cycle_anchor: timestampSchema,
  time_zone: z.string(),
  current_period_start: timestampSchema,
  current_period_end: timestampSchema,
  trial_end: instant,
  cancel_at_period_end: z.boolean(),
  canceled_at: instant,
  cancellation_reason: z.string().nullable(),
  pause: z.strictObject({ since: timestampSchema, resumes_at: instant }).nullable(),
  pause_at_period_end: z.strictObject({ resumes_at: instant }).nullable(),
  scheduled_change: z.strictObject({ plan_id: z.string(), quantity: z.number().int() }).nullable(),
  past_due: z
    .strictObject({ invoice_id: z.string(), failed_attempts: z.number().int(), next_retry_at: instant })
    .nullable(),
  payment_method_id: z.string().nullable(),
  customer_balance: z
    .strictObject({ amount: z.number().int(), currency: z.string().nullable() })
    .describe("The customer's credit, applied to the next invoices before charging"),
  next_action: z.strictObject({ type: z.string(), at: timestampSchema }).nullable(),
  live: z.boolean().describe('True when read from the running workflow, false when from the read model'),
});

export const subscriptionListSchema = listResponseSchema(subscriptionResponseSchema);
export type SubscriptionResponse = z.infer<typeof subscriptionResponseSchema>;
