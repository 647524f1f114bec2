import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigintNumber, createdAtColumn, timestamptz } from './columns';
import { Meter } from './meter';
import { Subscription } from './subscription';

/** One usage record; the client's id is unique per subscription so a resent batch is absorbed, not double billed. */
export class UsageEvent {
  [OptionalProps]?: 'id' | 'receivedAt';
  id!: string;
  subscription!: Subscription;
  meter!: Meter;
  clientId!: string;
  quantity!: number;
  /** What a unique-count meter counts distinct values of. */
  value?: string | null;
  occurredAt!: Date;
  receivedAt: Date = new Date();
}

export const UsageEventSchema = new EntitySchema<UsageEvent>({
  class: UsageEvent,
  tableName: 'usage_events',
  uniques: [{ properties: ['subscription', 'clientId'], name: 'usage_events_subscription_client_id_unique' }],
  indexes: [
    {
      properties: ['subscription', 'meter', 'occurredAt'],
      name: 'usage_events_subscription_meter_time_index',
    },
  ],
  checks: [{ name: 'usage_events_quantity_check', expression: 'quantity >= 0' }],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    subscription: { kind: 'm:1', entity: () => Subscription },
    meter: { kind: 'm:1', entity: () => Meter },
    clientId: { type: 'text' },
    quantity: { type: bigintNumber() },
    value: { type: 'text', nullable: true },
    occurredAt: timestamptz,
    receivedAt: createdAtColumn,
  },
});
