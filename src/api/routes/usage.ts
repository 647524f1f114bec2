import { Router } from 'express';
import { Meter, Plan, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { ingestUsageEvents } from '../../db/services';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { usageBatchResponseSchema, usageBatchSchema } from '../schemas/usage';

/**
 * The meter a batch counts for: among the subscription's metered items, the one whose meter has `event_name`; without
 * a name, the only metered item's. A subscription of the version 1 schema has its plan's meter.
 */
async function meterOf(orm: Orm, subscription: Subscription, eventName: string | undefined): Promise<Meter> {
  const planIds = subscription.state
    ? subscription.state.items.filter((item) => item.metered).map((item) => item.planId)
    : [subscription.plan.id];
  const plans = await orm.em.fork().find(Plan, { id: { $in: planIds } }, { populate: ['meter'] });
  const meters = plans.map((plan) => plan.meter).filter((meter): meter is Meter => Boolean(meter));
  if (meters.length === 0) {
    throw new AppError(
      'unprocessable',
      'plan_not_metered',
      `Subscription ${subscription.id} has no metered item`,
      'subscription_id',
    );
  }
  if (eventName !== undefined) {
    const named = meters.find((meter) => meter.eventName === eventName);
    if (!named) {
      throw new AppError(
        'unprocessable',
        'meter_not_on_subscription',
        `No metered item of subscription ${subscription.id} counts ${eventName}`,
        'event_name',
      );
    }
    return named;
  }
  if (meters.length > 1) {
    throw new AppError(
      'invalid_request_error',
      'event_name_required',
      'event_name: required, the subscription has several metered items',
      'event_name',
    );
  }
  return meters[0] as Meter;
}

/** Usage goes straight to PostgreSQL (never as workflow signals); the renewal reads it in arrears. */
export function usageRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/usage_events',
      operationId: 'ingestUsage',
      summary: 'Record up to 1000 usage events of a metered subscription',
      tag: 'Usage',
      body: usageBatchSchema,
      response: usageBatchResponseSchema,
      errors: [400, 404, 422],
    },
    async ({ body }) => {
      const subscription = await orm.em.findOne(Subscription, body.subscription_id, {
        populate: ['plan.meter'],
      });
      if (!subscription) {
        throw new AppError(
          'not_found',
          'resource_missing',
          `No such subscription: ${body.subscription_id}`,
          'subscription_id',
        );
      }
      const meter = await meterOf(orm, subscription, body.event_name);
      if (meter.archivedAt) {
        throw new AppError(
          'unprocessable',
          'meter_archived',
          `Meter ${meter.id} is archived and takes no new usage`,
          'subscription_id',
        );
      }
      const result = await ingestUsageEvents(orm.em.fork(), {
        subscriptionId: subscription.id,
        meterId: meter.id,
        records: body.events.map((event) => ({
          clientId: event.client_id,
          quantity: event.quantity,
          ...(event.value === undefined ? {} : { value: event.value }),
          occurredAt: event.timestamp,
        })),
      });
      return {
        object: 'usage_event_batch' as const,
        subscription_id: subscription.id,
        meter_id: meter.id,
        received: body.events.length,
        inserted: result.inserted,
        duplicates: result.duplicates,
      };
    },
  );
  return router;
}
