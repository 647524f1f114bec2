import { applyCredit, creditBalance, DomainError, money, overpaymentCredit } from '../../../src/domain';

describe('customer credit balance', () => {
  it('applies 5.00 of credit to a 20.00 invoice: 15.00 due, balance 0', () => {
    expect(applyCredit(money(2000, 'EUR'), money(500, 'EUR'))).toEqual({
      creditApplied: money(500, 'EUR'),
      amountDue: money(1500, 'EUR'),
      creditToBalance: money(0, 'EUR'),
      balanceAfter: money(0, 'EUR'),
    });
  });

  it('covers a 20.00 invoice fully from a 50.00 balance, leaving 30.00', () => {
    expect(applyCredit(money(2000, 'EUR'), money(5000, 'EUR'))).toMatchObject({
      amountDue: money(0, 'EUR'),
      balanceAfter: money(3000, 'EUR'),
    });
  });

  it('a negative invoice total goes to the balance and nothing is due', () => {
    expect(applyCredit(money(-700, 'EUR'), money(100, 'EUR'))).toEqual({
      creditApplied: money(0, 'EUR'),
      amountDue: money(0, 'EUR'),
      creditToBalance: money(700, 'EUR'),
      balanceAfter: money(800, 'EUR'),
    });
  });

  it('an overpayment of 2.50 becomes credit; an exact payment gives none', () => {
    expect(overpaymentCredit(money(1000, 'EUR'), money(1250, 'EUR'))).toEqual(money(250, 'EUR'));
    expect(overpaymentCredit(money(1000, 'EUR'), money(1000, 'EUR'))).toEqual(money(0, 'EUR'));
  });

  it('adds an immediate-cancel credit to the balance and refuses negative balances or credits', () => {
    expect(creditBalance(money(100, 'EUR'), money(333, 'EUR'))).toEqual(money(433, 'EUR'));
    expect(() => creditBalance(money(-1, 'EUR'), money(1, 'EUR'))).toThrow(DomainError);
    expect(() => creditBalance(money(1, 'EUR'), money(-1, 'EUR'))).toThrow(DomainError);
  });
});
