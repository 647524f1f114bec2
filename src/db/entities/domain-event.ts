import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

export type DomainEventData = { [key: string]: unknown };

/**
 * Append-only audit log. Subscription and customer are plain ids without foreign keys so that the history
 * outlives the rows it describes and a workflow can record an event before its read model exists. `key` is
 * the producer's idempotency key (e.g. workflow id + event sequence), so a retried activity appends once.
 */
export class DomainEvent {
  [OptionalProps]?: 'id' | 'recordedAt';
  id: string = newId('evt');
  key!: string;
  subscriptionId?: string | null;
  customerId?: string | null;
  type!: string;
  data!: DomainEventData;
  occurredAt!: Date;
  recordedAt: Date = new Date();
}

export const DomainEventSchema = new EntitySchema<DomainEvent>({
  class: DomainEvent,
  tableName: 'events',
  indexes: [
    { properties: ['subscriptionId', 'occurredAt'], name: 'events_subscription_occurred_index' },
    { properties: ['customerId', 'occurredAt'], name: 'events_customer_occurred_index' },
    { properties: ['type', 'occurredAt'], name: 'events_type_occurred_index' },
  ],
  checks: [{ name: 'events_type_check', expression: `type ~ '^[a-z_]+(\\.[a-z_]+)*$'` }],
  properties: {
    id: { type: 'text', primary: true },
    key: { type: 'text', unique: 'events_key_unique' },
    subscriptionId: { type: 'text', nullable: true },
    customerId: { type: 'text', nullable: true },
    type: { type: 'text' },
    data: { type: 'json' },
    occurredAt: timestamptz,
    recordedAt: createdAtColumn,
  },
});
