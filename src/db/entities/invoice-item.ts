import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { InvoiceLineKind } from '../../domain/invoice';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz } from './columns';
import { Customer } from './customer';
import { Invoice } from './invoice';
import { Subscription } from './subscription';

/**
 * Why an item waits: a one-off charge or credit, a proration kept for the next invoice, a gateway's dispute fee.
 * Each is also the kind of the invoice line that bills it.
 */
export const INVOICE_ITEM_KINDS = [
  'one_off',
  'proration',
  'dispute_fee',
] as const satisfies readonly InvoiceLineKind[];
export type InvoiceItemKind = (typeof INVOICE_ITEM_KINDS)[number];

const SAFE = String(Number.MAX_SAFE_INTEGER);

/**
 * A charge (positive) or credit (negative) waiting for the customer's next invoice, then one line of it. `invoice`
 * is null while the item is pending and set once, when an invoice bills it; a billed item never changes again.
 * Without a subscription the item goes on whichever invoice of the customer in its currency comes first.
 */
export class InvoiceItem {
  [OptionalProps]?: 'id' | 'quantity' | 'kind' | 'createdAt';
  id: string = newId('ii');
  customer!: Customer;
  subscription?: Subscription | null;
  currency!: string;
  /** Minor units of `currency`, signed: negative is a credit. */
  amount!: number;
  description!: string;
  quantity: number = 1;
  unitAmount?: number | null;
  periodStart?: Date | null;
  periodEnd?: Date | null;
  kind: InvoiceItemKind = 'one_off';
  invoice?: Invoice | null;
  /** The caller's key: a second create with the same key returns the first item. */
  idempotencyKey?: string | null;
  createdAt: Date = new Date();
}

export const InvoiceItemSchema = new EntitySchema<InvoiceItem>({
  class: InvoiceItem,
  tableName: 'invoice_items',
  indexes: [
    { properties: ['customer', 'createdAt'], name: 'invoice_items_customer_created_index' },
    { properties: ['invoice'], name: 'invoice_items_invoice_index' },
  ],
  checks: [
    { name: 'invoice_items_currency_check', expression: currencyCheck('currency') },
    {
      // bigint holds more than JavaScript numbers do exactly; the column never does.
      name: 'invoice_items_amount_check',
      expression:
        `amount >= -${SAFE} and amount <= ${SAFE} and ` +
        `(unit_amount is null or unit_amount >= -${SAFE} and unit_amount <= ${SAFE})`,
    },
    { name: 'invoice_items_quantity_check', expression: 'quantity >= 0' },
    {
      name: 'invoice_items_period_check',
      expression:
        '(period_start is null) = (period_end is null) and (period_end is null or period_end > period_start)',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    customer: { kind: 'm:1', entity: () => Customer },
    subscription: { kind: 'm:1', entity: () => Subscription, nullable: true, deleteRule: 'restrict' },
    currency: { type: 'text' },
    amount: { type: bigintNumber() },
    description: { type: 'text' },
    quantity: { type: 'integer', default: 1 },
    unitAmount: { type: bigintNumber(), nullable: true },
    periodStart: { ...timestamptz, nullable: true },
    periodEnd: { ...timestamptz, nullable: true },
    kind: { type: 'text', enum: true, items: [...INVOICE_ITEM_KINDS], default: 'one_off' },
    invoice: { kind: 'm:1', entity: () => Invoice, nullable: true, deleteRule: 'restrict' },
    idempotencyKey: { type: 'text', nullable: true, unique: 'invoice_items_idempotency_key_unique' },
    createdAt: createdAtColumn,
  },
});
