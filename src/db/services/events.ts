import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainEvent, type DomainEventData } from '../entities';
import { newId } from '../ids';
import { StoreError } from './errors';
import { toDate } from './instants';

export type DomainEventInput = {
  /** The producer's idempotency key, e.g. `<workflow id>:<event sequence>`. */
  key: string;
  type: string;
  subscriptionId?: string;
  customerId?: string;
  data: DomainEventData;
  occurredAt: string;
};

const EVENT_TYPE = /^[a-z_]+(\.[a-z_]+)*$/;

/**
 * Appends to the audit log once per key; a replayed append returns the event first written. One statement when the
 * key is new (the hot path of every transition), with no savepoint of its own: a failed insert fails the caller's
 * transaction as any statement of it would.
 */
export async function appendDomainEvent(
  em: EntityManager,
  input: DomainEventInput,
): Promise<{ event: DomainEvent; created: boolean }> {
  if (!EVENT_TYPE.test(input.type)) {
    throw new StoreError('invalid_input', `Event type ${input.type} must look like subscription.renewed`);
  }
  const [row] = await em.execute<Record<string, unknown>[]>(
    // Several events of one transaction keep the order they were appended in (now() is the same for all).
    `insert into events (id, key, type, subscription_id, customer_id, data, occurred_at, recorded_at)
     values (?, ?, ?, ?, ?, ?, ?, clock_timestamp())
     on conflict (key) do nothing
     returning *`,
    [
      newId('evt'),
      input.key,
      input.type,
      input.subscriptionId ?? null,
      input.customerId ?? null,
      JSON.stringify(input.data),
      toDate(input.occurredAt),
    ],
  );
  if (row) return { event: em.map(DomainEvent, row), created: true };
  const event = await em.findOneOrFail(DomainEvent, { key: input.key }, { refresh: true });
  return { event, created: false };
}
