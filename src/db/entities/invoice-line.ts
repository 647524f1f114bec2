import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { InvoiceLineKind } from '../../domain/invoice';
import { bigintNumber, timestamptz } from './columns';
import { Invoice } from './invoice';

export const INVOICE_LINE_KINDS = [
  'subscription',
  'proration',
  'usage',
  'setup_fee',
  'one_off',
  'dispute_fee',
  'discount',
] as const satisfies readonly InvoiceLineKind[];

/** `position` keeps the builder's deterministic order; a discount line is the only negative kind besides a credit. */
export class InvoiceLine {
  [OptionalProps]?: 'id';
  id!: string;
  invoice!: Invoice;
  position!: number;
  kind!: InvoiceLineKind;
  description!: string;
  quantity!: number;
  unitAmount?: number | null;
  amount!: number;
  periodStart?: Date | null;
  periodEnd?: Date | null;
  couponId?: string | null;
  /** The subscription item the line bills (`si_…`); null for discounts, one-off items and older invoices. */
  subscriptionItemId?: string | null;
  /** The rate the line was taxed at, in basis points; null on discount lines and lines from before rates per line. */
  taxRateBp?: number | null;
}

export const InvoiceLineSchema = new EntitySchema<InvoiceLine>({
  class: InvoiceLine,
  tableName: 'invoice_lines',
  uniques: [{ properties: ['invoice', 'position'], name: 'invoice_lines_invoice_position_unique' }],
  checks: [
    { name: 'invoice_lines_quantity_check', expression: 'quantity >= 0' },
    { name: 'invoice_lines_position_check', expression: 'position >= 0' },
    { name: 'invoice_lines_discount_check', expression: `kind <> 'discount' or amount <= 0` },
    { name: 'invoice_lines_tax_rate_check', expression: 'tax_rate_bp >= 0 and tax_rate_bp <= 10000' },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    invoice: { kind: 'm:1', entity: () => Invoice, deleteRule: 'cascade' },
    position: { type: 'integer' },
    kind: { type: 'text', enum: true, items: [...INVOICE_LINE_KINDS] },
    description: { type: 'text' },
    quantity: { type: 'integer' },
    unitAmount: { type: bigintNumber(), nullable: true },
    amount: { type: bigintNumber() },
    periodStart: { ...timestamptz, nullable: true },
    periodEnd: { ...timestamptz, nullable: true },
    couponId: { type: 'text', nullable: true },
    subscriptionItemId: { type: 'text', nullable: true },
    taxRateBp: { type: 'integer', nullable: true },
  },
});
