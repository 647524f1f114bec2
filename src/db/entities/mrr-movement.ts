import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { MRR_MOVEMENT_KINDS, type MrrMovementKind } from '../../domain/mrr';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz } from './columns';

/**
 * The MRR ledger: one row per change of one subscription's MRR, written in the transaction that records the
 * domain event causing it (`eventKey`, unique, makes the write idempotent). `sequence` numbers a subscription's
 * movements 1, 2, 3…, so each row's `mrrBefore` is the previous row's `mrrAfter` and Σ delta is the current MRR.
 * Subscription and customer are plain ids, as in the audit log: the ledger outlives the rows it describes.
 */
export class MrrMovement {
  [OptionalProps]?: 'id' | 'recordedAt';
  id: string = newId('mrrm');
  subscriptionId!: string;
  customerId!: string;
  sequence!: number;
  kind!: MrrMovementKind;
  currency!: string;
  mrrBefore!: number;
  mrrAfter!: number;
  delta!: number;
  occurredAt!: Date;
  eventKey!: string;
  testMode!: boolean;
  recordedAt: Date = new Date();
}

export const MrrMovementSchema = new EntitySchema<MrrMovement>({
  class: MrrMovement,
  tableName: 'mrr_movements',
  uniques: [
    { properties: ['subscriptionId', 'sequence'], name: 'mrr_movements_subscription_sequence_unique' },
  ],
  indexes: [{ properties: ['occurredAt'], name: 'mrr_movements_occurred_at_index' }],
  checks: [
    { name: 'mrr_movements_currency_check', expression: currencyCheck('currency') },
    { name: 'mrr_movements_sequence_check', expression: 'sequence >= 1' },
    { name: 'mrr_movements_delta_check', expression: 'delta = mrr_after - mrr_before' },
    {
      name: 'mrr_movements_kind_amounts_check',
      expression:
        `((kind = 'new' or kind = 'reactivation') and mrr_before = 0 and mrr_after > 0) or ` +
        `(kind = 'churn' and mrr_before > 0 and mrr_after = 0) or ` +
        `(kind = 'expansion' and mrr_before > 0 and mrr_after > mrr_before) or ` +
        `(kind = 'contraction' and mrr_after > 0 and mrr_after < mrr_before)`,
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    subscriptionId: { type: 'text' },
    customerId: { type: 'text' },
    sequence: { type: 'integer' },
    kind: { type: 'text', enum: true, items: [...MRR_MOVEMENT_KINDS] },
    currency: { type: 'text' },
    mrrBefore: { type: bigintNumber() },
    mrrAfter: { type: bigintNumber() },
    delta: { type: bigintNumber() },
    occurredAt: timestamptz,
    eventKey: { type: 'text', unique: 'mrr_movements_event_key_unique' },
    testMode: { type: 'boolean' },
    recordedAt: createdAtColumn,
  },
});
