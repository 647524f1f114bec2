import { Router } from 'express';
import { randomBytes } from 'node:crypto';
import { WebhookEndpoint } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  createdWebhookEndpointResponseSchema,
  createWebhookEndpointSchema,
  deletedWebhookEndpointSchema,
  listWebhookEndpointsQuerySchema,
  updateWebhookEndpointSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
  type WebhookEndpointResponse,
} from '../schemas/webhooks';

const endpointParams = idParamsSchema('we', 'a webhook endpoint');

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

/** `/v1/webhook_endpoints`: where outbound webhooks go (docs/webhooks.md). */
export function webhookEndpointsRouter(orm: Orm, registry: RouteRegistry): Router {
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

  return router;
}
