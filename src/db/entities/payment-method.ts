import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';
import { Customer } from './customer';

/** Only the gateway's token and display details: card numbers never reach Perennial. */
export class PaymentMethod {
  [OptionalProps]?: 'id' | 'isDefault' | 'createdAt';
  id: string = newId('pm');
  customer!: Customer;
  gateway!: string;
  token!: string;
  brand?: string | null;
  last4?: string | null;
  expMonth?: number | null;
  expYear?: number | null;
  isDefault: boolean = false;
  createdAt: Date = new Date();
  detachedAt?: Date | null;
}

export const PaymentMethodSchema = new EntitySchema<PaymentMethod>({
  class: PaymentMethod,
  tableName: 'payment_methods',
  uniques: [{ properties: ['gateway', 'token'], name: 'payment_methods_gateway_token_unique' }],
  indexes: [{ properties: ['customer'], name: 'payment_methods_customer_id_index' }],
  checks: [
    // Four digits at most: a longer digit string here would be a card number, which must never be stored.
    { name: 'payment_methods_last4_check', expression: `last4 is null or last4 ~ '^[0-9]{4}$'` },
    {
      name: 'payment_methods_exp_month_check',
      expression: 'exp_month is null or exp_month >= 1 and exp_month <= 12',
    },
    {
      name: 'payment_methods_exp_year_check',
      expression: 'exp_year is null or exp_year >= 2000 and exp_year <= 2200',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    customer: { kind: 'm:1', entity: () => Customer },
    gateway: { type: 'text' },
    token: { type: 'text' },
    brand: { type: 'text', nullable: true },
    last4: { type: 'text', nullable: true },
    expMonth: { type: 'smallint', nullable: true },
    expYear: { type: 'smallint', nullable: true },
    isDefault: { type: 'boolean', default: false },
    createdAt: createdAtColumn,
    detachedAt: { ...timestamptz, nullable: true },
  },
});
