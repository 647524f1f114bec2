import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

/**
 * A webhook received from a payment gateway, kept once per `(gateway, event_id)`: gateways deliver at least
 * once, and the unique constraint is what makes a redelivery a no-op. `processedAt` is set only after the event
 * has been acted on, so a delivery that failed half-way (Temporal unavailable) is processed again on the
 * gateway's retry instead of being mistaken for a duplicate.
 */
export class GatewayEvent {
  [OptionalProps]?: 'id' | 'receivedAt';
  id: string = newId('gwe');
  gateway!: string;
  eventId!: string;
  providerType!: string;
  /** The normalized event type (`payment.disputed`), or null for events Perennial does not act on. */
  type?: string | null;
  /** The normalized event as verified, for the audit trail. */
  payload?: Record<string, unknown> | null;
  subscriptionId?: string | null;
  receivedAt: Date = new Date();
  processedAt?: Date | null;
}

export const GatewayEventSchema = new EntitySchema<GatewayEvent>({
  class: GatewayEvent,
  tableName: 'gateway_events',
  uniques: [{ properties: ['gateway', 'eventId'], name: 'gateway_events_gateway_event_unique' }],
  properties: {
    id: { type: 'text', primary: true },
    gateway: { type: 'text' },
    eventId: { type: 'text' },
    providerType: { type: 'text' },
    type: { type: 'text', nullable: true },
    payload: { type: 'json', nullable: true },
    subscriptionId: { type: 'text', nullable: true },
    receivedAt: createdAtColumn,
    processedAt: { ...timestamptz, nullable: true },
  },
});
