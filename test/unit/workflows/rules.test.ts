import fc from 'fast-check';
import { CommandRejection } from '../../../src/workflows/lifecycle/messages';
import {
  cancelRule,
  changeRule,
  collectibleInvoiceId,
  couponRule,
  isRefusal,
  pauseRule,
  payInvoiceRule,
  reactivateRule,
  resolveChange,
  resumeRule,
  retryAttentionRule,
} from '../../../src/workflows/lifecycle/rules';
import type { SubscriptionStatus } from '../../../src/workflows/lifecycle/state';
import { activeState, dunning, item } from '../../support/states';

const NOW = Date.parse('2027-02-10T00:00:00.000Z');
const statuses: SubscriptionStatus[] = [
  'trialing',
  'active',
  'past_due',
  'paused',
  'unpaid',
  'incomplete',
  'incomplete_expired',
  'canceled',
];

describe('command rules: one pure function per command, the same in validator, lock and preview', () => {
  test('cancel: final subscriptions refuse, period_end only from trialing/active/past_due and only once', () => {
    expect(cancelRule(activeState({ status: 'canceled' }), NOW, { at: 'immediately' })?.type).toBe(
      CommandRejection.invalidState,
    );
    expect(cancelRule(activeState({ status: 'paused' }), NOW, { at: 'period_end' })?.message).toMatch(
      /only be canceled immediately/,
    );
    expect(cancelRule(activeState({ cancelAtPeriodEnd: true }), NOW, { at: 'period_end' })).not.toBeNull();
    expect(cancelRule(activeState(), NOW, { at: 'period_end' })).toBeNull();
  });

  test('resume: only a paused subscription; a second resume after the first is refused', () => {
    const paused = activeState({
      status: 'paused',
      pause: { since: '2027-02-01T00:00:00.000Z', resumesAt: null },
    });
    expect(resumeRule(paused, NOW, undefined)).toBeNull();
    // The state after the first resume: the second one's re-check inside the lock refuses it.
    expect(resumeRule({ ...paused, status: 'active', pause: null }, NOW, undefined)?.type).toBe(
      CommandRejection.invalidState,
    );
  });

  test('pause: a resume date must lie ahead of the subscription’s own clock', () => {
    expect(
      pauseRule(activeState(), NOW, { at: 'immediately', resumesAt: '2027-02-09T00:00:00.000Z' })?.type,
    ).toBe(CommandRejection.invalidArgument);
    expect(
      pauseRule(activeState(), NOW, { at: 'immediately', resumesAt: '2027-03-01T00:00:00.000Z' }),
    ).toBeNull();
    expect(pauseRule(activeState({ status: 'past_due' }), NOW, { at: 'immediately' })).not.toBeNull();
  });

  test('reactivate, coupon and retry refuse what there is nothing to act on', () => {
    expect(reactivateRule(activeState(), NOW, undefined)).not.toBeNull();
    expect(couponRule(activeState({ couponIds: ['co_1'] }), NOW, { couponId: 'co_1' })).not.toBeNull();
    expect(retryAttentionRule(activeState(), NOW, undefined)).not.toBeNull();
  });

  test('pay: only the invoice the subscription is collecting, past due, incomplete or unpaid', () => {
    const pastDue = activeState({ status: 'past_due', dunning: dunning('2027-02-11T00:00:00.000Z') });
    expect(payInvoiceRule(pastDue, NOW, { invoiceId: 'in_1' })).toBeNull();
    expect(payInvoiceRule(pastDue, NOW, { invoiceId: 'in_2' })).not.toBeNull();
    const unpaid = activeState({ status: 'unpaid', dunning: dunning(null) });
    expect(collectibleInvoiceId(unpaid)).toBe('in_1');
    expect(payInvoiceRule(activeState(), NOW, { invoiceId: 'in_1' })).not.toBeNull();
  });

  test('property: every command rule refuses every command on a final subscription', () => {
    fc.assert(
      fc.property(fc.constantFrom(...statuses), (status) => {
        const state = activeState({ status });
        const refusals = [
          cancelRule(state, NOW, { at: 'immediately' }),
          changeRule(state, NOW, {
            operations: [{ op: 'add', item: item({ id: 'si_2', planId: 'plan_x' }) }],
          }),
          couponRule(state, NOW, { couponId: 'co_9' }),
        ];
        return status === 'canceled' || status === 'incomplete_expired'
          ? refusals.every((refusal) => refusal !== null)
          : true;
      }),
    );
  });
});

describe('resolveChange: items after a change, its direction, timing and proration', () => {
  const base = item({ id: 'si_base', planId: 'plan_base', amount: 5000, quantity: 5 });
  const state = activeState({ items: [base] });

  test('an upgrade (a larger amount) applies now by default, a downgrade at period end', () => {
    const up = resolveChange(state, {
      operations: [
        {
          op: 'set',
          itemId: 'si_base',
          expectedPlanId: 'plan_base',
          item: { ...base, quantity: 8, amount: 7400 },
        },
      ],
    });
    expect(isRefusal(up) ? null : [up.direction, up.timing, up.proration]).toEqual([
      'upgrade',
      'immediately',
      'always_invoice',
    ]);
    const down = resolveChange(state, {
      operations: [
        {
          op: 'set',
          itemId: 'si_base',
          expectedPlanId: 'plan_base',
          item: { ...base, quantity: 2, amount: 2000 },
        },
      ],
    });
    expect(isRefusal(down) ? null : [down.direction, down.timing]).toEqual(['downgrade', 'period_end']);
  });

  test('a change to another interval applies now by default and says so', () => {
    const yearly = item({
      id: 'si_base',
      planId: 'plan_year',
      amount: 10000,
      interval: { unit: 'year', count: 1 },
    });
    const resolved = resolveChange(state, {
      operations: [{ op: 'set', itemId: 'si_base', expectedPlanId: 'plan_base', item: yearly }],
    });
    expect(isRefusal(resolved) ? null : [resolved.intervalChanged, resolved.timing]).toEqual([
      true,
      'immediately',
    ]);
  });

  test('items of different intervals, a duplicate plan, a stale plan or no licensed item are refused', () => {
    const yearlyAddOn = item({
      id: 'si_addon',
      planId: 'plan_y',
      addOn: true,
      interval: { unit: 'year', count: 1 },
    });
    expect(isRefusal(resolveChange(state, { operations: [{ op: 'add', item: yearlyAddOn }] }))).toBe(true);
    expect(
      isRefusal(
        resolveChange(state, {
          operations: [{ op: 'add', item: item({ id: 'si_x', planId: 'plan_base' }) }],
        }),
      ),
    ).toBe(true);
    const stale = resolveChange(state, {
      operations: [{ op: 'set', itemId: 'si_base', expectedPlanId: 'plan_other', item: base }],
    });
    expect(isRefusal(stale) && stale.type).toBe(CommandRejection.invalidState);
    expect(
      isRefusal(
        resolveChange(state, {
          operations: [{ op: 'remove', itemId: 'si_base', expectedPlanId: 'plan_base' }],
        }),
      ),
    ).toBe(true);
  });

  test('property: the direction follows the licensed amounts, never unit prices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (before, after) => {
          const from = activeState({ items: [{ ...base, amount: before }] });
          const resolved = resolveChange(from, {
            operations: [
              { op: 'set', itemId: 'si_base', expectedPlanId: 'plan_base', item: { ...base, amount: after } },
            ],
          });
          if (isRefusal(resolved)) return false;
          return resolved.direction === (after > before ? 'upgrade' : after < before ? 'downgrade' : 'same');
        },
      ),
    );
  });
});
