import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { TaxLine } from '../../domain/tax';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz, updatedAtColumn } from './columns';
import { Customer } from './customer';
import { Subscription } from './subscription';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** Why an invoice exists; only period invoices are keyed by (subscription, period index). */
export const BILLING_REASONS = ['subscription_cycle', 'subscription_update', 'manual'] as const;
export type BillingReason = (typeof BILLING_REASONS)[number];

/**
 * Amounts are minor units of `currency`. The checks make the totals arithmetic and the draft/number pairing hold
 * in SQL, so no code path can leave a numbered draft or a finalized invoice without a number. `amountPaid` is what
 * was collected, less what card issuers took back in lost disputes; `amountRefunded` is what was given back.
 */
export class Invoice {
  [OptionalProps]?:
    | 'id'
    | 'status'
    | 'amountPaid'
    | 'amountRefunded'
    | 'taxes'
    | 'notes'
    | 'version'
    | 'createdAt'
    | 'updatedAt';
  id: string = newId('in');
  customer!: Customer;
  subscription?: Subscription | null;
  periodIndex?: number | null;
  billingReason!: BillingReason;
  status: InvoiceStatus = 'draft';
  number?: string | null;
  currency!: string;
  subtotal!: number;
  discountTotal!: number;
  /** Σ of the tax lines, including taxes already contained in tax-inclusive line amounts. */
  taxTotal!: number;
  total!: number;
  creditApplied!: number;
  creditToBalance!: number;
  amountDue!: number;
  amountPaid: number = 0;
  amountRefunded: number = 0;
  taxes: TaxLine[] = [];
  notes: { en: string; de: string }[] = [];
  periodStart?: Date | null;
  periodEnd?: Date | null;
  dueAt?: Date | null;
  finalizedAt?: Date | null;
  paidAt?: Date | null;
  voidedAt?: Date | null;
  markedUncollectibleAt?: Date | null;
  version!: number;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const InvoiceSchema = new EntitySchema<Invoice>({
  class: Invoice,
  tableName: 'invoices',
  uniques: [
    { properties: ['number'], name: 'invoices_number_unique' },
    { properties: ['subscription', 'periodIndex'], name: 'invoices_subscription_period_unique' },
  ],
  indexes: [
    { properties: ['customer', 'createdAt'], name: 'invoices_customer_created_index' },
    { properties: ['status', 'dueAt'], name: 'invoices_status_due_index' },
  ],
  checks: [
    {
      name: 'invoices_cycle_period_check',
      expression: `billing_reason <> 'subscription_cycle' or (subscription_id is not null and period_index is not null)`,
    },
    { name: 'invoices_period_index_check', expression: 'period_index is null or period_index >= 0' },
    { name: 'invoices_currency_check', expression: currencyCheck('currency') },
    { name: 'invoices_number_check', expression: `(status = 'draft') = (number is null)` },
    { name: 'invoices_finalized_check', expression: `(status = 'draft') = (finalized_at is null)` },
    // Paid means paid in full; open means something is still owed, also after a lost dispute reversed a payment.
    {
      name: 'invoices_paid_check',
      expression: `status <> 'paid' or (paid_at is not null and amount_paid >= amount_due)`,
    },
    { name: 'invoices_open_check', expression: `status <> 'open' or amount_paid < amount_due` },
    {
      name: 'invoices_amounts_check',
      expression:
        'discount_total >= 0 and credit_applied >= 0 and credit_to_balance >= 0 and amount_due >= 0 and ' +
        'amount_paid >= 0 and amount_refunded >= 0 and amount_refunded <= amount_paid',
    },
    { name: 'invoices_due_check', expression: 'amount_due = total - credit_applied + credit_to_balance' },
    {
      name: 'invoices_period_bounds_check',
      expression: 'period_start is null or period_end is null or period_end > period_start',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    customer: { kind: 'm:1', entity: () => Customer },
    subscription: { kind: 'm:1', entity: () => Subscription, nullable: true, deleteRule: 'restrict' },
    periodIndex: { type: 'integer', nullable: true },
    billingReason: { type: 'text', enum: true, items: [...BILLING_REASONS] },
    status: { type: 'text', enum: true, items: [...INVOICE_STATUSES], default: 'draft' },
    number: { type: 'text', nullable: true },
    currency: { type: 'text' },
    subtotal: { type: bigintNumber() },
    discountTotal: { type: bigintNumber() },
    taxTotal: { type: bigintNumber() },
    total: { type: bigintNumber() },
    creditApplied: { type: bigintNumber() },
    creditToBalance: { type: bigintNumber() },
    amountDue: { type: bigintNumber() },
    amountPaid: { type: bigintNumber(), default: 0 },
    amountRefunded: { type: bigintNumber(), default: 0 },
    taxes: { type: 'json', defaultRaw: "'[]'" },
    notes: { type: 'json', defaultRaw: "'[]'" },
    periodStart: { ...timestamptz, nullable: true },
    periodEnd: { ...timestamptz, nullable: true },
    dueAt: { ...timestamptz, nullable: true },
    finalizedAt: { ...timestamptz, nullable: true },
    paidAt: { ...timestamptz, nullable: true },
    voidedAt: { ...timestamptz, nullable: true },
    markedUncollectibleAt: { ...timestamptz, nullable: true },
    version: { type: 'integer', version: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
