import { DomainError } from './errors';
import { assertSameCurrency, money, type Money } from './money';

/**
 * A customer's credit balance is a non-negative amount the customer has in hand with the seller
 * (Stripe stores the same thing as a negative balance; positive here reads naturally on a statement).
 */
export type CreditApplication = {
  /** Credit taken from the balance for this invoice. */
  creditApplied: Money;
  /** What is left to charge. Never negative. */
  amountDue: Money;
  /** Credit added to the balance because the invoice total is negative. */
  creditToBalance: Money;
  balanceAfter: Money;
};

export function assertCreditBalance(balance: Money): void {
  money(balance.amount, balance.currency);
  if (balance.amount < 0) throw new DomainError('invalid_amount', 'A credit balance cannot be negative');
}

/** Applies the balance to an invoice total before charging; a negative total feeds the balance instead. */
export function applyCredit(total: Money, balance: Money): CreditApplication {
  assertSameCurrency(total, balance);
  assertCreditBalance(balance);
  if (total.amount <= 0) {
    const creditToBalance = money(-total.amount, total.currency);
    return {
      creditApplied: money(0, total.currency),
      amountDue: money(0, total.currency),
      creditToBalance,
      balanceAfter: money(balance.amount + creditToBalance.amount, total.currency),
    };
  }
  const applied = Math.min(total.amount, balance.amount);
  return {
    creditApplied: money(applied, total.currency),
    amountDue: money(total.amount - applied, total.currency),
    creditToBalance: money(0, total.currency),
    balanceAfter: money(balance.amount - applied, total.currency),
  };
}

/** Money received beyond the amount due becomes credit rather than being lost or silently refunded. */
export function overpaymentCredit(amountDue: Money, paid: Money): Money {
  assertSameCurrency(amountDue, paid);
  return money(Math.max(0, paid.amount - amountDue.amount), paid.currency);
}

export function creditBalance(balance: Money, credit: Money): Money {
  assertSameCurrency(balance, credit);
  assertCreditBalance(balance);
  if (credit.amount < 0)
    throw new DomainError('invalid_amount', 'Credit added to a balance must not be negative');
  return money(balance.amount + credit.amount, balance.currency);
}
