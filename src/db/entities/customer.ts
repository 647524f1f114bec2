import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { TestClock } from './test-clock';
import {
  bigintNumber,
  countryCheck,
  createdAtColumn,
  currencyCheck,
  updatedAtColumn,
  type PostalAddress,
} from './columns';

export const CUSTOMER_LOCALES = ['de', 'en'] as const;
export type CustomerLocale = (typeof CUSTOMER_LOCALES)[number];

/** How invoices reach the customer by email: the PDF, or an EN 16931 e-invoice (XRechnung XML, ZUGFeRD PDF). */
export const INVOICE_DELIVERIES = ['pdf', 'xrechnung', 'zugferd'] as const;
export type InvoiceDelivery = (typeof INVOICE_DELIVERIES)[number];

/**
 * `balance` is credit the customer holds (non-negative, as the domain models it) in `balanceCurrency`; it only
 * changes through `customer_balance_transactions`, so every cent of it has a recorded cause.
 */
export class Customer {
  [OptionalProps]?: 'id' | 'locale' | 'balance' | 'invoiceDelivery' | 'createdAt' | 'updatedAt';
  id: string = newId('cus');
  email!: string;
  name!: string;
  locale: CustomerLocale = 'en';
  country!: string;
  vatId?: string | null;
  address?: PostalAddress | null;
  balance: number = 0;
  balanceCurrency?: string | null;
  testClockId?: string | null;
  invoiceDelivery: InvoiceDelivery = 'pdf';
  /** The buyer's reference for e-invoices (BT-10, e.g. a Leitweg-ID); the customer id when unset. */
  buyerReference?: string | null;
  /** Counts customers from 1 in the order the books first named them; their debtor account derives from it. */
  debtorNumber?: number | null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const CustomerSchema = new EntitySchema<Customer>({
  class: Customer,
  tableName: 'customers',
  indexes: [
    { properties: ['email'], name: 'customers_email_index' },
    { properties: ['testClockId'], name: 'customers_test_clock_id_index' },
  ],
  checks: [
    { name: 'customers_country_check', expression: countryCheck('country') },
    { name: 'customers_balance_check', expression: 'balance >= 0' },
    { name: 'customers_debtor_number_check', expression: 'debtor_number is null or debtor_number >= 1' },
    {
      name: 'customers_balance_currency_check',
      expression: `(balance = 0 or balance_currency is not null) and (balance_currency is null or ${currencyCheck('balance_currency')})`,
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    email: { type: 'text' },
    name: { type: 'text' },
    locale: { type: 'text', enum: true, items: [...CUSTOMER_LOCALES], default: 'en' },
    country: { type: 'text' },
    vatId: { type: 'text', nullable: true },
    address: { type: 'json', nullable: true },
    balance: { type: bigintNumber(), default: 0 },
    balanceCurrency: { type: 'text', nullable: true },
    // A relation kept as the bare id (`mapToPk`): the row gets its foreign key, the code keeps a plain string.
    testClockId: {
      kind: 'm:1',
      entity: () => TestClock,
      mapToPk: true,
      nullable: true,
      fieldName: 'test_clock_id',
    },
    invoiceDelivery: { type: 'text', enum: true, items: [...INVOICE_DELIVERIES], default: 'pdf' },
    buyerReference: { type: 'text', nullable: true },
    debtorNumber: { type: 'integer', nullable: true, unique: 'customers_debtor_number_unique' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
