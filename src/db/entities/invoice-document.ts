import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn } from './columns';
import { Invoice } from './invoice';

/**
 * An invoice's PDF as rendered the first time it was needed, one per variant: the invoice's status and the
 * language it was rendered in (a paid invoice's PDF says it was paid). Finalized invoices never change, so a
 * variant is never rendered twice.
 */
export class InvoiceDocument {
  [OptionalProps]?: 'createdAt';
  invoice!: Invoice;
  variant!: string;
  pdf!: Buffer;
  createdAt: Date = new Date();
}

export const InvoiceDocumentSchema = new EntitySchema<InvoiceDocument>({
  class: InvoiceDocument,
  tableName: 'invoice_documents',
  properties: {
    invoice: { kind: 'm:1', entity: () => Invoice, primary: true, deleteRule: 'cascade' },
    variant: { type: 'text', primary: true },
    pdf: { type: 'blob' },
    createdAt: createdAtColumn,
  },
});
