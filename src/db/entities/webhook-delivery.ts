import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn, timestamptz } from './columns';
import { DomainEvent } from './domain-event';
import { WebhookEndpoint } from './webhook-endpoint';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One event to one endpoint, retried until it succeeds or gives up; unique so an event is queued once per endpoint. */
export class WebhookDelivery {
  [OptionalProps]?: 'id' | 'status' | 'attempts' | 'createdAt';
  id!: string;
  endpoint!: WebhookEndpoint;
  event!: DomainEvent;
  status: WebhookDeliveryStatus = 'pending';
  attempts: number = 0;
  nextAttemptAt?: Date | null;
  lastResponseStatus?: number | null;
  lastError?: string | null;
  deliveredAt?: Date | null;
  createdAt: Date = new Date();
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_deliveries',
  uniques: [{ properties: ['endpoint', 'event'], name: 'webhook_deliveries_endpoint_event_unique' }],
  indexes: [{ properties: ['status', 'nextAttemptAt'], name: 'webhook_deliveries_due_index' }],
  checks: [
    { name: 'webhook_deliveries_attempts_check', expression: 'attempts >= 0' },
    {
      name: 'webhook_deliveries_delivered_check',
      expression: `(status = 'succeeded') = (delivered_at is not null)`,
    },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    endpoint: { kind: 'm:1', entity: () => WebhookEndpoint, deleteRule: 'cascade' },
    event: { kind: 'm:1', entity: () => DomainEvent },
    status: { type: 'text', enum: true, items: [...WEBHOOK_DELIVERY_STATUSES], default: 'pending' },
    attempts: { type: 'integer', default: 0 },
    nextAttemptAt: { ...timestamptz, nullable: true },
    lastResponseStatus: { type: 'integer', nullable: true },
    lastError: { type: 'text', nullable: true },
    deliveredAt: { ...timestamptz, nullable: true },
    createdAt: createdAtColumn,
  },
});
