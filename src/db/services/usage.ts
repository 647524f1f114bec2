import type { EntityManager } from '@mikro-orm/postgresql';
import { aggregateUsage } from '../../domain/pricing';
import { Meter, UsageEvent } from '../entities';
import { StoreError } from './errors';
import { toDate } from './instants';

export type UsageRecordInput = {
  /** Supplied by the client; unique per subscription, the first record with an id wins. */
  clientId: string;
  quantity: number;
  value?: string;
  occurredAt: string;
};

export type UsageBatchInput = {
  subscriptionId: string;
  meterId: string;
  records: readonly UsageRecordInput[];
};

/**
 * Stores a batch of usage records in one statement; records whose client id the subscription already has (in an
 * earlier batch or earlier in this one) are skipped by the unique constraint. Returns how many were new.
 */
export async function ingestUsageEvents(
  em: EntityManager,
  input: UsageBatchInput,
): Promise<{ inserted: number; duplicates: number }> {
  if (input.records.length === 0) return { inserted: 0, duplicates: 0 };
  for (const record of input.records) {
    if (!Number.isSafeInteger(record.quantity) || record.quantity < 0) {
      throw new StoreError(
        'invalid_input',
        `Usage ${record.clientId}: quantity must be a non-negative integer, got ${record.quantity}`,
      );
    }
    if (record.clientId.length === 0)
      throw new StoreError('invalid_input', 'A usage record needs a client id');
  }
  const rows = input.records.map((record) => ({
    subscription: input.subscriptionId,
    meter: input.meterId,
    clientId: record.clientId,
    quantity: record.quantity,
    value: record.value ?? null,
    occurredAt: toDate(record.occurredAt),
  }));
  const result = await em.transactional((tx) =>
    tx
      .createQueryBuilder(UsageEvent)
      .insert(rows)
      .onConflict(['subscription', 'clientId'])
      .ignore()
      .execute('run'),
  );
  return { inserted: result.affectedRows, duplicates: input.records.length - result.affectedRows };
}

export type UsageWindow = {
  subscriptionId: string;
  meterId: string;
  /** Inclusive. */
  start: string;
  /** Exclusive, as a billing period's end. */
  end: string;
};

/**
 * The quantity a subscription's usage of one meter adds up to in `[start, end)`, by the meter's aggregation (sum,
 * max or unique count), exactly as an invoice bills it. Archived meters still count.
 */
export async function usageForPeriod(em: EntityManager, window: UsageWindow): Promise<number> {
  const meter = await em.findOne(Meter, window.meterId);
  if (!meter) throw new StoreError('not_found', `Meter ${window.meterId} does not exist`);
  const start = toDate(window.start);
  const end = toDate(window.end);
  if (end <= start) throw new StoreError('invalid_input', 'A usage window must end after it starts');
  const events = await em.find(
    UsageEvent,
    { subscription: window.subscriptionId, meter: meter.id, occurredAt: { $gte: start, $lt: end } },
    { fields: ['clientId', 'quantity', 'value', 'occurredAt'] },
  );
  return aggregateUsage(
    events.map((event) => ({
      id: event.clientId,
      timestamp: event.occurredAt.toISOString(),
      quantity: event.quantity,
      ...(event.value ? { value: event.value } : {}),
    })),
    meter.aggregation,
    start.toISOString(),
    end.toISOString(),
  );
}
