import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { webhookRedeliveryWorkflowIdFor } from '../../webhooks/contract';
import { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery.workflow';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  createdWebhookEndpointResponseSchema,
  createWebhookEndpointSchema,
  deletedWebhookEndpointSchema,
  listWebhookDeliveriesQuerySchema,
  listWebhookEndpointsQuerySchema,
  updateWebhookEndpointSchema,
  webhookDeliveryListSchema,
  webhookDeliveryResponseSchema,
  type WebhookDeliveryResponse,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
  type WebhookEndpointResponse,
} from '../schemas/webhooks';

const endpointParams = idParamsSchema('we', 'a webhook endpoint');
const deliveryParams = z.strictObject({ id: z.uuid().describe('A webhook delivery id') });

async function serializeDeliveries(
  orm: Orm,
  deliveries: WebhookDelivery[],
): Promise<WebhookDeliveryResponse[]> {
  const attempts = await orm.em.find(
    WebhookDeliveryAttempt,
    { delivery: { $in: deliveries.map((delivery) => delivery.id) } },
    { orderBy: { attempt: 'asc' } },
  );
  return deliveries.map((delivery) => ({
    id: delivery.id,
    object: 'webhook_delivery' as const,
    endpoint_id: delivery.endpoint.id,
    event_id: delivery.event.id,
    event_type: delivery.event.type,
    status: delivery.status,
    attempts: delivery.attempts,
    last_response_status: delivery.lastResponseStatus ?? null,
    last_error: delivery.lastError ?? null,
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
    attempt_log: attempts
      .filter((attempt) => attempt.delivery.id === delivery.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        status: attempt.status,
        response_status: attempt.responseStatus ?? null,
        duration_ms: attempt.durationMs,
        error: attempt.error ?? null,
        attempted_at: attempt.attemptedAt.toISOString(),
      })),
  }));
}

export function serializeWebhookEndpoint(endpoint: WebhookEndpoint): WebhookEndpointResponse {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    url: endpoint.url,
    enabled_events: endpoint.eventTypes,
    status: endpoint.enabled ? 'enabled' : 'disabled',
    created_at: endpoint.createdAt.toISOString(),
    disabled_at: endpoint.disabledAt?.toISOString() ?? null,
  };
}

/** `/v1/webhook_endpoints`: where outbound webhooks go (docs/webhooks.md), and their deliveries. */
export function webhookEndpointsRouter(
  orm: Orm,
  registry: RouteRegistry,
  client: Client,
  taskQueue: string,
): Router {
  const router = Router();
  const find = async (id: string) => {
    const endpoint = await orm.em.findOne(WebhookEndpoint, id);
    if (!endpoint)
      throw new AppError('not_found', 'resource_missing', `No such webhook endpoint: ${id}`, 'id');
    return endpoint;
  };

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/webhook_endpoints',
      operationId: 'createWebhookEndpoint',
      summary: 'Register a webhook endpoint',
      description: 'The response carries the signing secret; it is never shown again.',
      tag: 'Webhook endpoints',
      body: createWebhookEndpointSchema,
      response: createdWebhookEndpointResponseSchema,
      status: 201,
      errors: [400],
    },
    async ({ body }) => {
      const endpoint = orm.em.create(WebhookEndpoint, {
        url: body.url,
        // 32 random bytes: an HMAC key as strong as the hash.
        secret: `whsec_${randomBytes(32).toString('base64url')}`,
        eventTypes: body.enabled_events,
      });
      await orm.em.flush();
      return { ...serializeWebhookEndpoint(endpoint), secret: endpoint.secret };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/webhook_endpoints',
      operationId: 'listWebhookEndpoints',
      summary: 'List webhook endpoints, oldest first',
      tag: 'Webhook endpoints',
      query: listWebhookEndpointsQuerySchema,
      response: webhookEndpointListSchema,
      errors: [400],
    },
    async ({ query }) =>
      listBody(await paginate(orm.em, WebhookEndpoint, {}, query), serializeWebhookEndpoint),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/webhook_endpoints/:id',
      operationId: 'getWebhookEndpoint',
      summary: 'Retrieve a webhook endpoint (without its secret)',
      tag: 'Webhook endpoints',
      params: endpointParams,
      response: webhookEndpointResponseSchema,
      errors: [404],
    },
    async ({ params }) => serializeWebhookEndpoint(await find(params.id)),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/webhook_endpoints/:id',
      operationId: 'updateWebhookEndpoint',
      summary: 'Update a webhook endpoint',
      description:
        'Only the given fields change. `status: "enabled"` re-enables an endpoint that Perennial disabled; ' +
        'events recorded while it was disabled are not delivered to it.',
      tag: 'Webhook endpoints',
      params: endpointParams,
      body: updateWebhookEndpointSchema,
      response: webhookEndpointResponseSchema,
      errors: [400, 404],
    },
    async ({ params, body }) => {
      const endpoint = await find(params.id);
      if (body.url !== undefined) endpoint.url = body.url;
      if (body.enabled_events !== undefined) endpoint.eventTypes = body.enabled_events;
      if (body.status !== undefined && (body.status === 'enabled') !== endpoint.enabled) {
        endpoint.enabled = body.status === 'enabled';
        endpoint.disabledAt = endpoint.enabled ? null : new Date();
      }
      await orm.em.flush();
      return serializeWebhookEndpoint(endpoint);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/webhook_endpoints/:id',
      operationId: 'deleteWebhookEndpoint',
      summary: 'Delete a webhook endpoint',
      description:
        'Its delivery log goes with it; deliveries still being retried stop at their next attempt.',
      tag: 'Webhook endpoints',
      params: endpointParams,
      response: deletedWebhookEndpointSchema,
      errors: [404],
    },
    async ({ params }) => {
      const endpoint = await find(params.id);
      await orm.em.remove(endpoint).flush();
      return { id: params.id, object: 'webhook_endpoint' as const, deleted: true as const };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/webhook_endpoints/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: "List an endpoint's deliveries with every attempt",
      tag: 'Webhook endpoints',
      params: endpointParams,
      query: listWebhookDeliveriesQuerySchema,
      response: webhookDeliveryListSchema,
      errors: [400, 404],
    },
    async ({ params, query }) => {
      const endpoint = await find(params.id);
      const page = await paginate(orm.em, WebhookDelivery, { endpoint: endpoint.id }, query);
      await orm.em.populate(page.items, ['event']);
      return {
        object: 'list' as const,
        data: await serializeDeliveries(orm, page.items),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/webhook_deliveries/:id/redeliver',
      operationId: 'redeliverWebhook',
      summary: 'Deliver an event to its endpoint again',
      description:
        'Starts a new delivery of the same event (same id and body, a fresh signature) with the usual retries; ' +
        'its attempts continue the numbering of the delivery log. A delivery still being attempted, or one to a ' +
        'disabled endpoint, answers 409.',
      tag: 'Webhook endpoints',
      params: deliveryParams,
      body: z.strictObject({}),
      response: webhookDeliveryResponseSchema,
      errors: [400, 404, 409],
    },
    async ({ params }) => {
      const delivery = await orm.em.findOne(WebhookDelivery, params.id, { populate: ['event', 'endpoint'] });
      if (!delivery) {
        throw new AppError('not_found', 'resource_missing', `No such webhook delivery: ${params.id}`, 'id');
      }
      if (delivery.status === 'pending') {
        throw new AppError(
          'conflict',
          'delivery_in_progress',
          'This delivery is still being attempted; wait for it to succeed or give up',
        );
      }
      if (!delivery.endpoint.enabled) {
        throw new AppError('conflict', 'endpoint_disabled', 'Enable the endpoint before redelivering to it');
      }
      const offset = delivery.attempts;
      try {
        await client.workflow.start(webhookDeliveryWorkflow, {
          workflowId: webhookRedeliveryWorkflowIdFor(delivery.event.id, delivery.endpoint.id, offset),
          taskQueue,
          args: [{ eventId: delivery.event.id, endpointId: delivery.endpoint.id, attemptOffset: offset }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `Webhook ${delivery.event.type} (${delivery.event.id}) → endpoint ${delivery.endpoint.id}, redelivery`,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        throw new AppError(
          'conflict',
          'delivery_in_progress',
          'A redelivery of this delivery is already running',
        );
      }
      // Pending again until this run's attempts settle it; unless one of them has already been logged.
      await orm.em.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id, attempts: offset },
        { status: 'pending', deliveredAt: null, lastError: null },
      );
      const fresh = await orm.em.fork().findOneOrFail(WebhookDelivery, delivery.id, { populate: ['event'] });
      return (await serializeDeliveries(orm, [fresh]))[0] as WebhookDeliveryResponse;
    },
  );

  return router;
}
