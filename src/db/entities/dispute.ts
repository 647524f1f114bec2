import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz, updatedAtColumn } from './columns';
import { Customer } from './customer';
import { Invoice } from './invoice';
import { PaymentAttempt } from './payment-attempt';
import { Subscription } from './subscription';

/** Open while the card issuer decides (`needs_response`, `under_review`); `won` and `lost` are final. */
export const DISPUTE_STATUSES = ['needs_response', 'under_review', 'won', 'lost'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export type DisputeOutcome = Extract<DisputeStatus, 'won' | 'lost'>;

export const isDisputeClosed = (status: DisputeStatus): status is DisputeOutcome =>
  status === 'won' || status === 'lost';

/**
 * A cardholder's dispute of one succeeded payment, as the gateway reports it: one row per gateway dispute id,
 * however often and in whatever order its webhooks arrive. Amounts are minor units of `currency` (the payment's).
 */
export class Dispute {
  [OptionalProps]?: 'id' | 'status' | 'createdAt' | 'updatedAt';
  id: string = newId('dp');
  paymentAttempt!: PaymentAttempt;
  invoice!: Invoice;
  customer!: Customer;
  subscription?: Subscription | null;
  gateway!: string;
  /** The gateway's own dispute id (`dp_sbx_…`, Stripe's `du_…`/`dp_…`). */
  gatewayReference!: string;
  amount!: number;
  currency!: string;
  reason!: string;
  status: DisputeStatus = 'needs_response';
  /** What the gateway charged the seller for the dispute, as it reported it; null until (unless) it does. */
  feeAmount?: number | null;
  closedAt?: Date | null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const DisputeSchema = new EntitySchema<Dispute>({
  class: Dispute,
  tableName: 'disputes',
  uniques: [{ properties: ['gateway', 'gatewayReference'], name: 'disputes_gateway_reference_unique' }],
  indexes: [
    { properties: ['createdAt', 'id'], name: 'disputes_created_at_id_index' },
    { properties: ['customer'], name: 'disputes_customer_id_index' },
    { properties: ['invoice'], name: 'disputes_invoice_id_index' },
  ],
  checks: [
    { name: 'disputes_amount_check', expression: 'amount > 0' },
    { name: 'disputes_fee_amount_check', expression: 'fee_amount is null or fee_amount >= 0' },
    { name: 'disputes_currency_check', expression: currencyCheck('currency') },
    {
      name: 'disputes_closed_check',
      expression: `(status = 'won' or status = 'lost') = (closed_at is not null)`,
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    paymentAttempt: { kind: 'm:1', entity: () => PaymentAttempt },
    invoice: { kind: 'm:1', entity: () => Invoice },
    customer: { kind: 'm:1', entity: () => Customer },
    subscription: { kind: 'm:1', entity: () => Subscription, nullable: true, deleteRule: 'restrict' },
    gateway: { type: 'text' },
    gatewayReference: { type: 'text' },
    amount: { type: bigintNumber() },
    currency: { type: 'text' },
    reason: { type: 'text' },
    status: { type: 'text', enum: true, items: [...DISPUTE_STATUSES], default: 'needs_response' },
    feeAmount: { type: bigintNumber(), nullable: true },
    closedAt: { ...timestamptz, nullable: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
