import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz } from './columns';
import { Invoice } from './invoice';
import { PaymentMethod } from './payment-method';

export const PAYMENT_ATTEMPT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentAttemptStatus = (typeof PAYMENT_ATTEMPT_STATUSES)[number];

/**
 * One charge of an invoice. The idempotency key is written before the gateway is called and is the key the
 * gateway receives, so a retried activity finds this row and the gateway deduplicates the charge.
 */
export class PaymentAttempt {
  [OptionalProps]?: 'id' | 'status' | 'createdAt';
  id: string = newId('pa');
  invoice!: Invoice;
  attempt!: number;
  idempotencyKey!: string;
  amount!: number;
  currency!: string;
  gateway!: string;
  paymentMethod?: PaymentMethod | null;
  status: PaymentAttemptStatus = 'pending';
  gatewayReference?: string | null;
  failureCode?: string | null;
  failureMessage?: string | null;
  createdAt: Date = new Date();
  completedAt?: Date | null;
}

export const PaymentAttemptSchema = new EntitySchema<PaymentAttempt>({
  class: PaymentAttempt,
  tableName: 'payment_attempts',
  uniques: [
    { properties: ['invoice', 'attempt'], name: 'payment_attempts_invoice_attempt_unique' },
    { properties: ['gateway', 'gatewayReference'], name: 'payment_attempts_gateway_reference_unique' },
  ],
  checks: [
    { name: 'payment_attempts_attempt_check', expression: 'attempt >= 1' },
    { name: 'payment_attempts_amount_check', expression: 'amount > 0' },
    { name: 'payment_attempts_currency_check', expression: currencyCheck('currency') },
    {
      name: 'payment_attempts_outcome_check',
      expression:
        `(status = 'pending') = (completed_at is null) and ` +
        `(status <> 'failed' or failure_code is not null) and (status <> 'succeeded' or failure_code is null)`,
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    invoice: { kind: 'm:1', entity: () => Invoice },
    attempt: { type: 'integer' },
    idempotencyKey: { type: 'text', unique: 'payment_attempts_idempotency_key_unique' },
    amount: { type: bigintNumber() },
    currency: { type: 'text' },
    gateway: { type: 'text' },
    paymentMethod: { kind: 'm:1', entity: () => PaymentMethod, nullable: true },
    status: { type: 'text', enum: true, items: [...PAYMENT_ATTEMPT_STATUSES], default: 'pending' },
    gatewayReference: { type: 'text', nullable: true },
    failureCode: { type: 'text', nullable: true },
    failureMessage: { type: 'text', nullable: true },
    createdAt: createdAtColumn,
    completedAt: { ...timestamptz, nullable: true },
  },
});
