import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { z } from 'zod';
import { DomainEvent, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import {
  listQuerySchema,
  listResponseSchema,
  orderQuerySchema,
  prefixedId,
  timestampSchema,
} from '../schemas/common';

const listEventsQuerySchema = listQuerySchema.extend({
  subscription_id: prefixedId('sub', 'a subscription').optional(),
  customer_id: prefixedId('cus', 'a customer')
    .optional()
    .describe("The customer's history: events naming the customer and the events of their subscriptions"),
  type: z.string().min(1).max(100).optional().describe('Exact event type, e.g. invoice.paid'),
  order: orderQuerySchema,
});

const eventResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('event'),
  type: z.string(),
  subscription_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurred_at: timestampSchema,
});

/** The audit log: every transition of every subscription, oldest first. */
export function eventsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();
  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/events',
      operationId: 'listEvents',
      summary: 'List domain events (the audit log), oldest first (or newest first with `order=desc`)',
      tag: 'Events',
      query: listEventsQuerySchema,
      response: listResponseSchema(eventResponseSchema),
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<DomainEvent> = {
        ...(query.subscription_id ? { subscriptionId: query.subscription_id } : {}),
        // A customer's history: events naming them, and the events of their subscriptions (which name those).
        ...(query.customer_id
          ? {
              $or: [
                { customerId: query.customer_id },
                {
                  subscriptionId: {
                    $in: (
                      await orm.em.find(Subscription, { customer: query.customer_id }, { fields: ['id'] })
                    ).map((subscription) => subscription.id),
                  },
                },
              ],
            }
          : {}),
        ...(query.type ? { type: query.type } : {}),
      };
      const page = await paginate(orm.em, DomainEvent, where, query, {
        property: 'recordedAt',
        column: 'recorded_at',
      });
      return listBody(page, (event) => ({
        id: event.id,
        object: 'event' as const,
        type: event.type,
        subscription_id: event.subscriptionId ?? null,
        customer_id: event.customerId ?? null,
        data: event.data as Record<string, unknown>,
        occurred_at: event.occurredAt.toISOString(),
      }));
    },
  );
  return router;
}
