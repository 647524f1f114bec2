import { z } from 'zod';
import { SUBSCRIPTION_STATUSES } from '../../db/entities/subscription';
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
export const itemIdSchema = prefixedId('si', 'a subscription item');
const quantity = z.number().int().min(1).max(100000).describe('Units (seats) billed per period');

export { SUBSCRIPTION_STATUSES };

const timing = z
  .enum(['immediately', 'period_end'])
  .optional()
  .describe(
    'Default by direction: an upgrade (or a change to another interval) applies immediately, a downgrade or an ' +
      'equal amount at period end',
  );

const prorationBehavior = z
  .enum(['always_invoice', 'create_prorations', 'none'])
  .optional()
  .describe(
    'Immediate changes only. `always_invoice` (default): the proration is invoiced and charged now; ' +
      '`create_prorations`: its lines wait for the next invoice; `none`: no proration',
  );

const itemRequestSchema = z.strictObject({
  plan_id: planId,
  quantity: quantity.optional(),
});

export const createSubscriptionSchema = z
  .strictObject({
    customer_id: customerId,
    plan_id: planId.optional().describe('Shorthand for a single item: the base plan (with `quantity`)'),
    quantity: quantity.optional(),
    items: z
      .array(itemRequestSchema)
      .min(1)
      .max(20)
      .optional()
      .describe('The base plan, add-ons and metered plans, each once; one currency, one interval'),
    currency: currencySchema.optional().describe("Defaults to the seller's default currency"),
    trial_days: z.number().int().min(0).max(730).optional().describe("Overrides the base plan's trial"),
    payment_method_id: paymentMethodId
      .optional()
      .describe("Defaults to the customer's default payment method"),
    time_zone: timeZoneSchema.optional().describe('Billing time zone for calendar arithmetic (default UTC)'),
    trial_end_behavior: z
      .enum(['cancel', 'pause'])
      .optional()
      .describe('What happens when a trial ends without a payment method (default cancel)'),
    coupon: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('A coupon code redeemed with the subscription: it discounts the first invoice'),
  })
  .superRefine((body, ctx) => {
    if ((body.plan_id === undefined) === (body.items === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'give either plan_id or items' });
    }
    if (body.items !== undefined && body.quantity !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: 'with items, give each item its quantity',
      });
    }
  });

export const listSubscriptionsQuerySchema = listQuerySchema.extend({
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  customer_id: customerId.optional(),
  plan_id: planId.optional(),
});

export const getSubscriptionQuerySchema = z.strictObject({
  live: z
    .enum(['true', 'false'])
    .optional()
    .describe('`true` asks the running workflow instead of the read model (adds its clock time)'),
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

const itemEditSchema = z
  .strictObject({
    id: itemIdSchema.optional().describe('The item to change or delete; without it, a new item is added'),
    plan_id: planId.optional(),
    quantity: quantity.optional(),
    deleted: z.boolean().optional().describe('`true` removes the item named by `id`'),
  })
  .superRefine((edit, ctx) => {
    if (edit.deleted && edit.id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'required to delete an item' });
    }
    if (edit.id === undefined && edit.plan_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['plan_id'], message: 'required to add an item' });
    }
  });

export const changeSubscriptionSchema = z
  .strictObject({
    plan_id: planId.optional().describe("Shorthand: the base item's new plan"),
    quantity: quantity.optional().describe("Shorthand: the base item's new quantity"),
    items: z
      .array(itemEditSchema)
      .min(1)
      .max(20)
      .optional()
      .describe('Edits of several items at once: add (no id), change (id), delete (id and deleted)'),
    timing,
    proration_behavior: prorationBehavior,
  })
  .superRefine((body, ctx) => {
    const shorthand = body.plan_id !== undefined || body.quantity !== undefined;
    if (shorthand === (body.items !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'give plan_id/quantity or items' });
    }
  });

export const addItemSchema = z.strictObject({
  plan_id: planId,
  quantity: quantity.optional(),
  timing,
  proration_behavior: prorationBehavior,
});

export const updateItemSchema = z
  .strictObject({
    plan_id: planId.optional(),
    quantity: quantity.optional(),
    timing,
    proration_behavior: prorationBehavior,
  })
  .superRefine((body, ctx) => {
    if (body.plan_id === undefined && body.quantity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'give plan_id or quantity' });
    }
  });

export const removeItemSchema = z.strictObject({ timing, proration_behavior: prorationBehavior });

export const itemParamsSchema = z.strictObject({
  id: prefixedId('sub', 'a subscription'),
  item_id: itemIdSchema,
});

export const subscriptionItemSchema = z.strictObject({
  id: z.string(),
  object: z.literal('subscription_item'),
  plan_id: z.string(),
  name: z.string().describe("The plan's name"),
  quantity: z.number().int(),
  amount: z.number().int().describe('One whole period at this quantity, minor units; 0 for a metered item'),
  metered: z.boolean(),
  add_on: z.boolean(),
  interval: z.enum(['day', 'week', 'month', 'year']),
  interval_count: z.number().int(),
  setup_fee_due: z.boolean(),
});
export type SubscriptionItemResponse = z.output<typeof subscriptionItemSchema>;

export const previewLineSchema = z.strictObject({
  kind: z.enum(['proration', 'subscription', 'usage', 'setup_fee', 'invoice_item']),
  description: z.string(),
  amount: z.number().int().describe('Minor units; a credit for unused time is negative'),
  quantity: z.number().int(),
  item_id: z.string().nullable(),
  period_start: timestampSchema.nullable(),
  period_end: timestampSchema.nullable(),
});

export const changePreviewResponseSchema = z.strictObject({
  object: z.literal('subscription_change_preview'),
  subscription_id: z.string(),
  plan_id: z.string().describe("The base item's plan after the change"),
  quantity: z.number().int().describe("The base item's quantity after the change"),
  items: z.array(subscriptionItemSchema).describe('The items after the change'),
  currency: z.string(),
  timing: z.enum(['immediately', 'period_end']),
  proration_behavior: z.enum(['always_invoice', 'create_prorations', 'none']),
  effective_at: timestampSchema,
  invoice_now: z
    .boolean()
    .describe(
      'True when the change would be invoiced and charged at once; otherwise the next invoice bills it',
    ),
  lines: z
    .array(previewLineSchema)
    .describe('Before discounts and tax, exactly as the invoice the change creates would carry them'),
  total: z.number().int().describe('Sum of the lines, before discounts, tax and credit balance'),
});
export type ChangePreviewResponse = z.output<typeof changePreviewResponseSchema>;

export const updatePaymentMethodSchema = z.strictObject({ payment_method_id: paymentMethodId });

export const applyCouponSchema = z.strictObject({
  coupon: z.string().min(1).max(100).describe('The coupon code'),
});

export { emptyBodySchema } from './common';

const instant = timestampSchema.nullable();

export const subscriptionResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('subscription'),
  customer_id: z.string(),
  plan_id: z.string().describe("The base item's plan"),
  status: z.enum(SUBSCRIPTION_STATUSES),
  quantity: z.number().int().describe("The base item's quantity"),
  items: z.array(subscriptionItemSchema),
  currency: z.string(),
  interval: z.enum(['day', 'week', 'month', 'year']),
  interval_count: z.number().int(),
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
  scheduled_change: z
    .strictObject({
      plan_id: z.string(),
      quantity: z.number().int(),
      items: z.array(subscriptionItemSchema),
    })
    .nullable(),
  past_due: z
    .strictObject({
      invoice_id: z.string(),
      failed_attempts: z.number().int(),
      next_retry_at: instant,
      hard_decline: z
        .string()
        .nullable()
        .describe('A decline no retry can fix (e.g. expired_card): retries wait for a new payment method'),
    })
    .nullable(),
  needs_attention: z
    .strictObject({ code: z.string(), message: z.string(), since: timestampSchema })
    .nullable()
    .describe('Set when a renewal stopped on data no retry fixes; POST .../retry once it is fixed'),
  coupon_ids: z.array(z.string()),
  payment_method_id: z.string().nullable(),
  customer_balance: z
    .strictObject({ amount: z.number().int(), currency: z.string().nullable() })
    .describe("The customer's credit, applied to the next invoices before charging"),
  next_action: z
    .strictObject({
      type: z.enum([
        'trial_reminder',
        'trial_end',
        'renewal_reminder',
        'period_end',
        'dunning_retry',
        'incomplete_expiry',
        'resume',
      ]),
      at: timestampSchema,
    })
    .nullable(),
  live: z.boolean().describe('True when read from the running workflow, false when from the read model'),
});

export const subscriptionListSchema = listResponseSchema(subscriptionResponseSchema);
export type SubscriptionResponse = z.infer<typeof subscriptionResponseSchema>;

export const usageResponseSchema = z.strictObject({
  object: z.literal('subscription_usage'),
  subscription_id: z.string(),
  currency: z.string(),
  period_start: timestampSchema.describe('Usage since this instant has not been invoiced yet'),
  period_end: timestampSchema.describe('The subscription’s current time (its test clock’s, if it has one)'),
  items: z.array(
    z.strictObject({
      item_id: z.string(),
      plan_id: z.string(),
      meter_id: z.string(),
      quantity: z.number().int().describe("The meter's aggregation over the window"),
      amount: z.number().int().describe('What the usage would invoice now, before discounts and tax'),
    }),
  ),
  total: z.number().int(),
});
