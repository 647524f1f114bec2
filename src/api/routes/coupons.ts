import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Router } from 'express';
import { Coupon } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { MAX_AMOUNT_OFF } from '../../domain/limits';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema, listQuerySchema } from '../schemas/common';
import { couponListSchema, couponResponseSchema, createCouponSchema } from '../schemas/coupons';

const couponParams = idParamsSchema('co', 'a coupon');

function serializeCoupon(coupon: Coupon) {
  return {
    id: coupon.id,
    object: 'coupon' as const,
    code: coupon.code,
    name: coupon.name,
    // Stored in basis points so the pure coupon rules never meet a fraction; the API speaks whole percent.
    percent_off: coupon.percentOffBp == null ? null : coupon.percentOffBp / 100,
    amount_off: coupon.amountOff ?? null,
    currency: coupon.amountOffCurrency ?? null,
    duration: coupon.duration,
    duration_in_periods: coupon.durationPeriods ?? null,
    redeem_by: coupon.redeemBy?.toISOString() ?? null,
    max_redemptions: coupon.maxRedemptions ?? null,
    times_redeemed: coupon.timesRedeemed,
    applies_to_plan_ids: coupon.appliesToPlanIds ?? null,
  };
}

/** Coupons are created here and applied to a subscription with `POST /v1/subscriptions/:id/coupon`. */
export function couponsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/coupons',
      operationId: 'createCoupon',
      summary: 'Create a coupon',
      tag: 'Coupons',
      body: createCouponSchema,
      response: couponResponseSchema,
      status: 201,
      errors: [400, 409],
    },
    async ({ body }) => {
      if (body.amount_off !== undefined && body.amount_off > MAX_AMOUNT_OFF) {
        throw new AppError(
          'invalid_request_error',
          'amount_out_of_range',
          `amount_off: at most ${MAX_AMOUNT_OFF}, more than any invoice can be worth`,
          'amount_off',
        );
      }
      const em = orm.em.fork();
      const coupon = em.create(Coupon, {
        code: body.code,
        name: body.name,
        percentOffBp: body.percent_off === undefined ? null : body.percent_off * 100,
        amountOff: body.amount_off ?? null,
        amountOffCurrency: body.amount_off === undefined ? null : (body.currency ?? null),
        duration: body.duration,
        durationPeriods: body.duration_in_periods ?? null,
        redeemBy: body.redeem_by ? new Date(body.redeem_by) : null,
        maxRedemptions: body.max_redemptions ?? null,
        appliesToPlanIds: body.applies_to_plan_ids ?? null,
      });
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) {
          throw new AppError(
            'conflict',
            'coupon_code_taken',
            `A coupon with code ${body.code} exists`,
            'code',
          );
        }
        throw error;
      }
      return serializeCoupon(coupon);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/coupons',
      operationId: 'listCoupons',
      summary: 'List coupons, oldest first',
      tag: 'Coupons',
      query: listQuerySchema,
      response: couponListSchema,
      errors: [400],
    },
    async ({ query }) => listBody(await paginate(orm.em, Coupon, {}, query), serializeCoupon),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/coupons/:id',
      operationId: 'getCoupon',
      summary: 'Retrieve a coupon',
      tag: 'Coupons',
      params: couponParams,
      response: couponResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const coupon = await orm.em.findOne(Coupon, params.id);
      if (!coupon) throw new AppError('not_found', 'resource_missing', `No such coupon: ${params.id}`, 'id');
      return serializeCoupon(coupon);
    },
  );

  return router;
}
