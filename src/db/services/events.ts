import { raw } from '@mikro-orm/core';
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

/** Appends to the audit log once per key; a replayed append returns the event first written. */
export async function appendDomainEvent(
  em: EntityManager,
  input: DomainEventInput,
): Promise<{ event: DomainEvent; created: boolean }> {
  if (!EVENT_TYPE.test(input.type)) {
    throw new StoreError('invalid_input', `Event type ${input.type} must look like subscription.renewed`);
  }
  return em.transactional(async (tx) => {
    const inserted = await tx
      .createQueryBuilder(DomainEvent)
      .insert({
        id: newId('evt'),
        key: input.key,
        type: input.type,
        subscriptionId: input.subscriptionId ?? null,
        customerId: input.customerId ?? null,
        data: input.data,
        occurredAt: toDate(input.occurredAt),
        // Several events of one transaction keep the order they were appended in (now() is the same for all).
        recordedAt: raw('clock_timestamp()'),
      })
      .onConflict(['key'])
      .ignore()
      .execute('run');
    const event = await tx.findOneOrFail(DomainEvent, { key: input.key }, { refresh: true });
    return { event, created: inserted.affectedRows > 0 };
  });
}
