import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { money } from '../../domain/money';
import { Customer, CustomerBalanceTransaction } from '../entities';
import { StoreError } from './errors';

export type BalanceAdjustment = {
  customerId: string;
  /** Minor units; positive adds credit, negative spends it. */
  amount: number;
  currency: string;
  /** Names the cause; a second adjustment with the same key changes nothing. */
  sourceKey: string;
  description: string;
};

export type BalanceAdjustmentResult = {
  transaction: CustomerBalanceTransaction;
  balance: number;
  created: boolean;
};

/**
 * Moves a customer's credit balance by one ledger entry. The customer row is locked first, so concurrent
 * adjustments are serialized: the duplicate check is exact and the balance can never be spent twice.
 */
export async function adjustCustomerBalance(
  em: EntityManager,
  input: BalanceAdjustment,
): Promise<BalanceAdjustmentResult> {
  money(input.amount, input.currency);
  if (input.amount === 0) throw new StoreError('invalid_input', 'A balance adjustment cannot be zero');
  return em.transactional(async (tx) => {
    const customer = await tx.findOne(Customer, input.customerId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!customer) throw new StoreError('not_found', `Customer ${input.customerId} does not exist`);
    const existing = await tx.findOne(CustomerBalanceTransaction, { sourceKey: input.sourceKey });
    if (existing) {
      if (existing.customer.id !== customer.id || existing.amount !== input.amount) {
        throw new StoreError(
          'idempotency_conflict',
          `Balance source ${input.sourceKey} was already used for a different adjustment`,
        );
      }
      return { transaction: existing, balance: customer.balance, created: false };
    }
    if (customer.balanceCurrency && customer.balanceCurrency !== input.currency && customer.balance !== 0) {
      throw new StoreError(
        'currency_mismatch',
        `Customer ${customer.id} holds credit in ${customer.balanceCurrency}, not ${input.currency}`,
      );
    }
    const balance = customer.balance + input.amount;
    if (balance < 0) {
      throw new StoreError(
        'insufficient_credit',
        `Customer ${customer.id} has ${customer.balance} ${input.currency} of credit, ${-input.amount} requested`,
      );
    }
    customer.balance = balance;
    customer.balanceCurrency = input.currency;
    const transaction = tx.create(CustomerBalanceTransaction, {
      customer,
      amount: input.amount,
      currency: input.currency,
      balanceAfter: balance,
      sourceKey: input.sourceKey,
      description: input.description,
    });
    await tx.flush();
    return { transaction, balance, created: true };
  });
}

/** Credit granted outside an invoice (goodwill, an immediate cancel or pause): adds to the balance once per cause. */
export function applyCustomerCredit(
  em: EntityManager,
  input: BalanceAdjustment,
): Promise<BalanceAdjustmentResult> {
  if (input.amount <= 0) throw new StoreError('invalid_input', 'Credit granted must be positive');
  return adjustCustomerBalance(em, input);
}
