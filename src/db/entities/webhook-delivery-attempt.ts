import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn } from './columns';
import { WebhookDelivery } from './webhook-delivery';

export const WEBHOOK_ATTEMPT_STATUSES = ['succeeded', 'failed'] as const;
export type WebhookAttemptStatus = (typeof WEBHOOK_ATTEMPT_STATUSES)[number];

/**
 * One HTTP attempt of a webhook delivery. `WebhookDelivery` is one row per (event, endpoint) holding the latest
 * outcome; this is the log of every try, keyed by the activity's attempt number so a retry never rewrites
 * another attempt's row.
 */
export class WebhookDeliveryAttempt {
  [OptionalProps]?: 'id' | 'attemptedAt';
  id!: string;
  delivery!: WebhookDelivery;
  attempt!: number;
  status!: WebhookAttemptStatus;
  responseStatus?: number | null;
  durationMs!: number;
  error?: string | null;
  attemptedAt: Date = new Date();
}

export const WebhookDeliveryAttemptSchema = new EntitySchema<WebhookDeliveryAttempt>({
  class: WebhookDeliveryAttempt,
  tableName: 'webhook_delivery_attempts',
  uniques: [
    { properties: ['delivery', 'attempt'], name: 'webhook_delivery_attempts_delivery_attempt_unique' },
  ],
  checks: [
    { name: 'webhook_delivery_attempts_attempt_check', expression: 'attempt >= 1' },
    { name: 'webhook_delivery_attempts_duration_check', expression: 'duration_ms >= 0' },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    delivery: { kind: 'm:1', entity: () => WebhookDelivery, deleteRule: 'cascade' },
    attempt: { type: 'integer' },
    status: { type: 'text', enum: true, items: [...WEBHOOK_ATTEMPT_STATUSES] },
    responseStatus: { type: 'integer', nullable: true },
    durationMs: { type: 'integer' },
    error: { type: 'text', nullable: true },
    attemptedAt: createdAtColumn,
  },
});
