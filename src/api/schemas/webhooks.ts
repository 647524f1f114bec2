import { z } from 'zod';
import { listQuerySchema, listResponseSchema, orderQuerySchema, timestampSchema } from './common';

const eventTypeSchema = z
  .string()
  .max(100)
  .regex(/^(\*|[a-z_]+(\.[a-z_]+)*)$/, 'must be an event type such as invoice.paid, or *');

const enabledEventsSchema = z
  .array(eventTypeSchema)
  .min(1)
  .max(100)
  .refine(
    (types) => !types.includes('*') || types.length === 1,
    '"*" subscribes to everything and stands alone',
  )
  .describe('Event types delivered to this endpoint, e.g. ["invoice.paid"]; ["*"] for every event');

const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048)
  .describe('Where events are POSTed');

export const webhookEndpointStatusSchema = z
  .enum(['enabled', 'disabled'])
  .describe('Disabled endpoints get no deliveries; Perennial disables one that has failed for 3 days');

export const createWebhookEndpointSchema = z.strictObject({
  url: webhookUrlSchema,
  enabled_events: enabledEventsSchema,
});

export const updateWebhookEndpointSchema = z.strictObject({
  url: webhookUrlSchema.optional(),
  enabled_events: enabledEventsSchema.optional(),
  status: webhookEndpointStatusSchema.optional(),
});

export type CreateWebhookEndpointInput = z.infer<typeof createWebhookEndpointSchema>;
export type UpdateWebhookEndpointInput = z.infer<typeof updateWebhookEndpointSchema>;

export const listWebhookEndpointsQuerySchema = listQuerySchema;

export const webhookEndpointResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  enabled_events: z.array(z.string()),
  status: webhookEndpointStatusSchema,
  created_at: timestampSchema,
  disabled_at: timestampSchema.nullable(),
});

export type WebhookEndpointResponse = z.infer<typeof webhookEndpointResponseSchema>;

/** Only the creating response carries the signing secret; it cannot be read again afterwards. */
export const createdWebhookEndpointResponseSchema = webhookEndpointResponseSchema.extend({
  secret: z.string().describe('Signing secret (whsec_…) for verifying Perennial-Signature; shown only once'),
});

export const webhookEndpointListSchema = listResponseSchema(webhookEndpointResponseSchema);

export const deletedWebhookEndpointSchema = z.strictObject({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  deleted: z.literal(true),
});

export const listWebhookDeliveriesQuerySchema = listQuerySchema.extend({
  order: orderQuerySchema,
});

const deliveryAttemptSchema = z.strictObject({
  attempt: z.number().int(),
  status: z.enum(['succeeded', 'failed']),
  response_status: z.number().int().nullable(),
  duration_ms: z.number().int(),
  error: z.string().nullable(),
  attempted_at: timestampSchema,
});

export const webhookDeliveryResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('webhook_delivery'),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z
    .enum(['pending', 'succeeded', 'failed'])
    .describe('`pending` while attempts continue; `failed` once the retry window ran out'),
  attempts: z.number().int(),
  last_response_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: timestampSchema.nullable(),
  created_at: timestampSchema,
  attempt_log: z.array(deliveryAttemptSchema).describe('Every HTTP attempt, oldest first'),
});

export type WebhookDeliveryResponse = z.infer<typeof webhookDeliveryResponseSchema>;

export const webhookDeliveryListSchema = listResponseSchema(webhookDeliveryResponseSchema);
