import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigintNumber, createdAtColumn, currencyCheck } from './columns';
import { Customer } from './customer';

/**
 * Ledger of the customer's credit balance: positive adds credit, negative spends it. `sourceKey` names the cause
 * (e.g. `invoice:in_…:credit_applied`) and is unique, so replaying a cause never moves the balance twice.
 */
export class CustomerBalanceTransaction {
  [OptionalProps]?: 'id' | 'createdAt';
  id!: string;
  customer!: Customer;
  amount!: number;
  currency!: string;
  balanceAfter!: number;
  sourceKey!: string;
  description!: string;
  createdAt: Date = new Date();
}

export const CustomerBalanceTransactionSchema = new EntitySchema<CustomerBalanceTransaction>({
  class: CustomerBalanceTransaction,
  tableName: 'customer_balance_transactions',
  indexes: [{ properties: ['customer', 'createdAt'], name: 'customer_balance_transactions_customer_index' }],
  checks: [
    { name: 'customer_balance_transactions_amount_check', expression: 'amount <> 0' },
    { name: 'customer_balance_transactions_balance_check', expression: 'balance_after >= 0' },
    { name: 'customer_balance_transactions_currency_check', expression: currencyCheck('currency') },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    customer: { kind: 'm:1', entity: () => Customer },
    amount: { type: bigintNumber() },
    currency: { type: 'text' },
    balanceAfter: { type: bigintNumber() },
    sourceKey: { type: 'text', unique: 'customer_balance_transactions_source_key_unique' },
    description: { type: 'text' },
    createdAt: createdAtColumn,
  },
});
