import { Router } from 'express';
import { Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { ingestUsageEvents } from '../../db/services';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { usageBatchResponseSchema, usageBatchSchema } from '../schemas/usage';

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
      const meter = subscription.plan.meter;
      if (!meter) {
        throw new AppError(
          'unprocessable',
          'plan_not_metered',
          `Plan ${subscription.plan.id} has no meter`,
          'subscription_id',
        );
      }
      if (meter.archivedAt) {
        throw new AppError(
          'unprocessable',
          'meter_archived',
          `Meter ${meter.id} of plan ${subscription.plan.id} is archived and takes no new usage`,
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
