import { z } from 'zod';
import { COUPON_DURATIONS } from '../../db/entities/coupon';
import { MAX_AMOUNT_OFF } from '../../domain/limits';
import { amountSchema, currencySchema, listResponseSchema, prefixedId, timestampSchema } from './common';

export const createCouponSchema = z
  .strictObject({
    code: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"')
      .describe('What customers type; unique'),
    name: z.string().min(1).max(200),
    percent_off: z.number().int().min(1).max(100).optional().describe('Whole percent off; or amount_off'),
    amount_off: amountSchema
      .min(1)
      .optional()
      .describe(
        `Minor units off each discounted invoice; at most ${MAX_AMOUNT_OFF} (half of 2^53), else 400 ` +
          '`amount_out_of_range`',
      ),
    currency: currencySchema.optional().describe('Currency of amount_off'),
    duration: z.enum(['once', 'repeating', 'forever']),
    duration_in_periods: z.number().int().min(1).max(1200).optional(),
    redeem_by: timestampSchema.optional(),
    max_redemptions: z.number().int().min(1).max(1_000_000_000).optional(),
    applies_to_plan_ids: z.array(prefixedId('plan', 'a plan')).min(1).max(100).optional(),
  })
  .superRefine((coupon, ctx) => {
    if ((coupon.percent_off === undefined) === (coupon.amount_off === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['percent_off'],
        message: 'give exactly one of percent_off and amount_off',
      });
    }
    if (coupon.amount_off !== undefined && coupon.currency === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with amount_off' });
    }
    if ((coupon.duration === 'repeating') !== (coupon.duration_in_periods !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['duration_in_periods'],
        message: 'required with duration repeating, and only then',
      });
    }
  });

export const couponResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('coupon'),
  code: z.string(),
  name: z.string(),
  percent_off: z.number().int().nullable(),
  amount_off: z.number().int().nullable(),
  currency: z.string().nullable(),
  duration: z.enum(COUPON_DURATIONS),
  duration_in_periods: z.number().int().nullable(),
  redeem_by: timestampSchema.nullable(),
  max_redemptions: z.number().int().nullable(),
  times_redeemed: z.number().int(),
  applies_to_plan_ids: z.array(z.string()).nullable(),
});

export const couponListSchema = listResponseSchema(couponResponseSchema);
