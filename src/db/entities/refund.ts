import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck } from './columns';
import { Invoice } from './invoice';
import { PaymentAttempt } from './payment-attempt';

export const REFUND_KINDS = ['refund', 'chargeback'] as const;
export type RefundKind = (typeof REFUND_KINDS)[number];

/** Money returned on a succeeded payment, by us (refund) or by the card issuer (chargeback). */
export class Refund {
  [OptionalProps]?: 'id' | 'kind' | 'createdAt';
  id: string = newId('re');
  paymentAttempt!: PaymentAttempt;
  invoice!: Invoice;
  kind: RefundKind = 'refund';
  amount!: number;
  currency!: string;
  reason?: string | null;
  idempotencyKey!: string;
  gatewayReference?: string | null;
  createdAt: Date = new Date();
}

export const RefundSchema = new EntitySchema<Refund>({
  class: Refund,
  tableName: 'refunds',
  indexes: [{ properties: ['invoice'], name: 'refunds_invoice_id_index' }],
  checks: [
    { name: 'refunds_amount_check', expression: 'amount > 0' },
    { name: 'refunds_currency_check', expression: currencyCheck('currency') },
  ],
  properties: {
    id: { type: 'text', primary: true },
    paymentAttempt: { kind: 'm:1', entity: () => PaymentAttempt },
    invoice: { kind: 'm:1', entity: () => Invoice },
    kind: { type: 'text', enum: true, items: [...REFUND_KINDS], default: 'refund' },
    amount: { type: bigintNumber() },
    currency: { type: 'text' },
    reason: { type: 'text', nullable: true },
    idempotencyKey: { type: 'text', unique: 'refunds_idempotency_key_unique' },
    gatewayReference: { type: 'text', nullable: true },
    createdAt: createdAtColumn,
  },
});
