import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  Coupon,
  Customer,
  DomainEvent,
  EmailMessage,
  Invoice,
  Refund,
  Subscription,
} from '../../../src/db/entities';
import { workflowMetadataQuery } from '@temporalio/workflow';
import {
  applyCouponUpdate,
  cancelScheduledChangeUpdate,
  cancelUpdate,
  changeUpdate,
  pauseUpdate,
  paymentDisputedSignal,
  paymentFailedSignal,
  paymentRefundedSignal,
  reactivateUpdate,
  resumeUpdate,
  testClockAdvancedSignal,
} from '../../../src/workflows/lifecycle/messages';
import { reconcileSubscription } from '../../../src/subscriptions/reconcile';
import { recordChainIfAsked } from '../../support/histories';
import {
  advanceClock,
  baseItemId,
  changeCommand,
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

const T0 = '2027-01-01T00:00:00.000Z';

describe('lifecycle: commands', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** An active monthly 31.00 EUR subscription on a test clock at T0 (January: 31 days, so 1.00 EUR a day). */
  async function activeSubscription() {
    const plan = await seedPlan(harness.db.orm, { amounts: { EUR: 3100, USD: 3300 } });
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const started = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: T0,
    });
    await settled(harness, started.subscriptionId, T0);
    return { ...started, plan, customer };
  }

  const invoicesOf = (subscriptionId: string) =>
    harness.db.orm.em
      .fork()
      .find(Invoice, { subscription: subscriptionId }, { orderBy: { periodIndex: 'asc' } });

  async function rejection(
    promise: Promise<unknown>,
  ): Promise<{ type: string | undefined; message: string }> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const cause = error.cause as { type?: string; message: string };
        return { type: cause.type, message: cause.message };
      }
      // A subscription whose workflow has ended accepts no command at all.
      if (error instanceof WorkflowNotFoundError) return { type: 'WorkflowNotFound', message: error.message };
      throw error;
    }
    throw new Error('the update was accepted');
  }

  test('a cancellation at period end can be undone, and the subscription then renews', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    const scheduled = await handle.executeUpdate(cancelUpdate, {
      args: [{ at: 'period_end', reason: 'too much coffee' }],
    });
    expect(scheduled.state).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: true,
      cancelReason: 'too much coffee',
    });
    const undone = await handle.executeUpdate(reactivateUpdate, { args: [] });
    expect(undone.state).toMatchObject({ cancelAtPeriodEnd: false, cancelReason: null });

    const renewed = await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    expect(renewed.state).toMatchObject({ status: 'active', periodIndex: 1 });
    expect((await invoicesOf(subscriptionId)).map((invoice) => invoice.status)).toEqual(['paid', 'paid']);
  });

  test('a cancellation at period end ends the subscription at that instant without a new invoice', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    await handle.executeUpdate(cancelUpdate, { args: [{ at: 'period_end' }] });
    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-02-10T00:00:00.000Z' });
    const result = await handle.result();
    expect(result.state).toMatchObject({ status: 'canceled', canceledAt: '2027-02-01T00:00:00.000Z' });
    expect(await invoicesOf(subscriptionId)).toHaveLength(1);
  });

  test.each([
    ['credit', 2380, 0],
    ['refund', 0, 2380],
    ['none', 0, 0],
  ] as const)(
    'an immediate cancellation on day 11 with unused time as %s credits %i and refunds %i minor units',
    async (unused, credited, refunded) => {
      const { subscriptionId, handle, customer } = await activeSubscription();
      await advanceClock(harness, subscriptionId, '2027-01-12T00:00:00.000Z');
      const canceled = await handle.executeUpdate(cancelUpdate, { args: [{ at: 'immediately', unused }] });
      expect(canceled.state).toMatchObject({ status: 'canceled', canceledAt: '2027-01-12T00:00:00.000Z' });

      // 20 of 31 days unused of the 36.89 EUR paid (31.00 + 19 % VAT): 23.80.
      const balance = (await harness.db.orm.em.fork().findOneOrFail(Customer, customer.id)).balance;
      expect(balance).toBe(credited);
      const refunds = await harness.db.orm.em
        .fork()
        .find(Refund, { paymentAttempt: { invoice: { subscription: subscriptionId } } });
      expect(refunds.reduce((total, refund) => total + refund.amount, 0)).toBe(refunded);
    },
  );

  test('an immediate pause with a resume date bills nothing while paused, credits unused time, and moves the anchor', async () => {
    const { subscriptionId, handle, customer } = await activeSubscription();
    await advanceClock(harness, subscriptionId, '2027-01-21T00:00:00.000Z');
    const paused = await handle.executeUpdate(pauseUpdate, {
      args: [{ at: 'immediately', resumesAt: '2027-03-10T00:00:00.000Z' }],
    });
    expect(paused.state).toMatchObject({ status: 'paused', pause: { since: '2027-01-21T00:00:00.000Z' } });
    // 11 of 31 days unused of the 36.89 EUR paid: 13.09.
    expect((await harness.db.orm.em.fork().findOneOrFail(Customer, customer.id)).balance).toBe(1309);

    await advanceClock(harness, subscriptionId, '2027-03-01T00:00:00.000Z');
    expect(await invoicesOf(subscriptionId)).toHaveLength(1);

    const resumed = await advanceClock(harness, subscriptionId, '2027-03-10T00:00:00.000Z');
    expect(resumed.state).toMatchObject({
      status: 'active',
      anchor: '2027-03-10T00:00:00.000Z',
      pause: null,
    });
    expect(resumed.state.period).toEqual({
      start: '2027-03-10T00:00:00.000Z',
      end: '2027-04-10T00:00:00.000Z',
    });
    const invoices = await invoicesOf(subscriptionId);
    expect(invoices).toHaveLength(2);
    // The 13.09 EUR credit is taken off the resumed period's invoice: 36.89 less 13.09.
    expect(invoices[1]).toMatchObject({ total: 3689, creditApplied: 1309, amountDue: 2380, status: 'paid' });
    await recordChainIfAsked('lifecycle-pause-resume', harness.env.client, handle.workflowId);
  });

  test('a pause at period end takes effect at the period end, and resume starts a new period there', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    const scheduled = await handle.executeUpdate(pauseUpdate, { args: [{ at: 'period_end' }] });
    expect(scheduled.state).toMatchObject({ status: 'active', pauseAtPeriodEnd: { resumesAt: null } });
    const paused = await advanceClock(harness, subscriptionId, '2027-02-05T00:00:00.000Z');
    expect(paused.state).toMatchObject({ status: 'paused', pause: { since: '2027-02-01T00:00:00.000Z' } });
    const resumed = await handle.executeUpdate(resumeUpdate, { args: [] });
    expect(resumed.state).toMatchObject({ status: 'active', anchor: '2027-02-05T00:00:00.000Z' });
    expect(await invoicesOf(subscriptionId)).toHaveLength(2);
  });

  test('a downgrade scheduled for the period end applies at renewal without proration, and a cancelled one never does', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    const smaller = await seedPlan(harness.db.orm, { name: 'Sample beans', amounts: { EUR: 900 } });
    const change = await changeCommand(harness, subscriptionId, {
      edits: [{ id: await baseItemId(harness, subscriptionId), planId: smaller.id, quantity: 2 }],
      timing: 'period_end',
    });
    const scheduled = await handle.executeUpdate(changeUpdate, { args: [change] });
    expect(scheduled.invoice).toBeNull();
    const unscheduled = await handle.executeUpdate(cancelScheduledChangeUpdate, { args: [] });
    expect(unscheduled.state.scheduledChange).toBeNull();
    await handle.executeUpdate(changeUpdate, { args: [change] });
    const renewed = await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    expect(renewed.state).toMatchObject({ scheduledChange: null });
    expect(renewed.state.items.map((item) => [item.planId, item.quantity, item.amount])).toEqual([
      [smaller.id, 2, 1800],
    ]);
    const invoices = await invoicesOf(subscriptionId);
    expect(invoices.map((invoice) => [invoice.billingReason, invoice.subtotal])).toEqual([
      ['subscription_cycle', 3100],
      ['subscription_cycle', 1800],
    ]);
  });

  test('a yearly subscription gets its upcoming-renewal reminder 7 days before the renewal, once', async () => {
    const plan = await seedPlan(harness.db.orm, { unit: 'year', amounts: { EUR: 19000 } });
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: T0,
    });
    const started = await settled(harness, subscriptionId, T0);
    expect(started.next).toEqual({ kind: 'renewal_reminder', at: '2027-12-25T00:00:00.000Z' });
    await advanceClock(harness, subscriptionId, '2027-12-26T00:00:00.000Z');
    await advanceClock(harness, subscriptionId, '2027-12-30T00:00:00.000Z');
    const emails = await harness.db.orm.em
      .fork()
      .find(EmailMessage, { causeKey: { $like: `${subscriptionId}:%` } }, { orderBy: { createdAt: 'asc' } });
    expect(emails.map((email) => email.kind)).toEqual(['welcome', 'receipt', 'upcoming_renewal']);
  });

  test('an immediate upgrade on day 11 invoices exact proration lines at once, and the next period bills the new price', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    const bigger = await seedPlan(harness.db.orm, { name: 'Double beans', amounts: { EUR: 6200 } });
    await advanceClock(harness, subscriptionId, '2027-01-12T00:00:00.000Z');
    const changed = await handle.executeUpdate(changeUpdate, {
      args: [
        await changeCommand(harness, subscriptionId, {
          edits: [{ id: await baseItemId(harness, subscriptionId), planId: bigger.id }],
          timing: 'immediately',
        }),
      ],
    });
    expect(changed.state).toMatchObject({ status: 'active' });
    expect(changed.state.items.map((item) => [item.planId, item.quantity])).toEqual([[bigger.id, 1]]);
    // 20 of 31 days remain: credit 31.00 × 20/31 = 20.00, charge 62.00 × 20/31 = 40.00, net 20.00 + 19 % VAT.
    expect(changed.invoice?.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['proration', -2000],
      ['proration', 4000],
    ]);
    expect(changed.invoice?.lines.every((line) => line.periodStart === '2027-01-12T00:00:00.000Z')).toBe(
      true,
    );
    const invoice = await harness.db.orm.em.fork().findOneOrFail(Invoice, changed.invoice?.invoiceId ?? '');
    expect(invoice).toMatchObject({
      billingReason: 'subscription_update',
      subtotal: 2000,
      total: 2380,
      status: 'paid',
    });

    await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    const renewal = await harness.db.orm.em
      .fork()
      .findOneOrFail(Invoice, { subscription: subscriptionId, periodIndex: 1 });
    expect(renewal).toMatchObject({ subtotal: 6200, status: 'paid' });
    await recordChainIfAsked('lifecycle-upgrade', harness.env.client, handle.workflowId);
  });

  test('a coupon applied mid-period discounts the next invoices, and a coupon used up is refused with its reason', async () => {
    const em = harness.db.orm.em.fork();
    const coupon = em.create(Coupon, {
      code: `SPRING${Date.now()}`,
      name: '20 % off',
      percentOffBp: 2000,
      duration: 'forever',
      maxRedemptions: 1,
    });
    await em.flush();
    const first = await activeSubscription();
    const applied = await first.handle.executeUpdate(applyCouponUpdate, { args: [{ couponId: coupon.id }] });
    expect(applied.state.couponIds).toEqual([coupon.id]);
    await advanceClock(harness, first.subscriptionId, '2027-02-01T00:00:00.000Z');
    const renewal = await harness.db.orm.em
      .fork()
      .findOneOrFail(Invoice, { subscription: first.subscriptionId, periodIndex: 1 });
    // 31.00 less 20 % = 24.80, plus 19 % VAT = 29.51.
    expect(renewal).toMatchObject({ subtotal: 3100, discountTotal: 620, total: 2951, status: 'paid' });

    const second = await activeSubscription();
    expect(
      await rejection(second.handle.executeUpdate(applyCouponUpdate, { args: [{ couponId: coupon.id }] })),
    ).toEqual({
      type: 'InvalidCommandArgument',
      message: `Coupon ${coupon.id} has been fully redeemed`,
    });
  });

  test('gateway facts arrive as signals and land in the audit log: failed, refunded, disputed', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    const fact = { invoiceId: 'in_fact', chargeId: 'ch_fact' };
    await handle.signal(paymentFailedSignal, { ...fact, declineCode: 'insufficient_funds' });
    await handle.signal(paymentRefundedSignal, fact);
    await handle.signal(paymentDisputedSignal, fact);
    let types: string[] = [];
    for (let i = 0; i < 100 && types.length < 3; i++) {
      const events = await harness.db.orm.em.fork().find(DomainEvent, {
        subscriptionId,
        type: { $in: ['charge.failed', 'charge.refunded', 'charge.disputed'] },
      });
      types = events.map((event) => event.type).sort();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(types).toEqual(['charge.disputed', 'charge.failed', 'charge.refunded']);
    expect((await settled(harness, subscriptionId)).state.status).toBe('active');
  });

  test('"Request Cancellation" in the Web UI cancels now as an operator: nothing refunded, read model and event agree', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    await advanceClock(harness, subscriptionId, '2027-01-12T00:00:00.000Z');
    await handle.cancel();
    const result = await handle.result();
    expect(result.state).toMatchObject({
      status: 'canceled',
      canceledAt: '2027-01-12T00:00:00.000Z',
      cancelReason: 'operator_request',
    });
    const em = harness.db.orm.em.fork();
    expect((await em.findOneOrFail(Subscription, subscriptionId)).status).toBe('canceled');
    const event = await em.findOneOrFail(DomainEvent, { subscriptionId, type: 'subscription.canceled' });
    expect(event.data).toMatchObject({ reason: 'operator_request', requestedBy: 'operator', unused: 'none' });
    expect(await em.count(Refund, { paymentAttempt: { invoice: { subscription: subscriptionId } } })).toBe(0);
  });

  test('the Web UI reads who, what, at what price and what next, in plain words, in every run', async () => {
    const { subscriptionId, handle, customer } = await activeSubscription();
    const details = async () =>
      (await harness.env.client.workflow.getHandle(handle.workflowId).query(workflowMetadataQuery))
        .currentDetails ?? '';
    const first = await details();
    expect(first).toContain(`${customer.name} <${customer.email}>`);
    expect(first).toContain('Monthly beans');
    // 31.00 EUR + 19 % VAT, charged at the period end.
    expect(first).toMatch(/next: charge €36\.89 on February 1, 2027/);
    await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    // A new run after continue-as-new: it still says what the subscription is and waits for.
    expect(await details()).toMatch(/next: charge €36\.89 on March 1, 2027/);
    await handle.executeUpdate(pauseUpdate, {
      args: [{ at: 'immediately', resumesAt: '2027-04-01T00:00:00.000Z' }],
    });
    expect(await details()).toMatch(/paused since February 1, 2027 until April 1, 2027/);
  });

  test('a workflow an operator terminated is started again from its committed state, and renews without billing twice', async () => {
    const { subscriptionId, handle } = await activeSubscription();
    await advanceClock(harness, subscriptionId, '2027-01-20T00:00:00.000Z');
    await handle.terminate('operator pressed Terminate');
    const deps = { em: harness.db.orm.em.fork(), client: harness.env.client, taskQueue: harness.taskQueue };
    expect(await reconcileSubscription(deps, subscriptionId)).toMatchObject({ action: 'restarted' });
    expect(await reconcileSubscription(deps, subscriptionId)).toMatchObject({ action: 'running' });
    const resumed = await settled(harness, subscriptionId);
    expect(resumed.state).toMatchObject({ status: 'active', periodIndex: 0 });
    // The restarted run keeps its clock: the advance it missed is not lost, the next one renews once.
    const renewed = await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    expect(renewed.state).toMatchObject({ status: 'active', periodIndex: 1 });
    expect(
      (await invoicesOf(subscriptionId)).map((invoice) => [invoice.periodIndex, invoice.status]),
    ).toEqual([
      [0, 'paid'],
      [1, 'paid'],
    ]);
    const keys = (await harness.db.orm.em.fork().find(DomainEvent, { subscriptionId })).map(
      (event) => event.key,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('validators reject items of another interval, a resume of an active subscription, a pause of a paused one and any change after cancellation', async () => {
    const { handle, subscriptionId } = await activeSubscription();
    const yearlyAddOn = await seedPlan(harness.db.orm, {
      name: 'Yearly grinder',
      unit: 'year',
      amounts: { EUR: 9900 },
    });
    expect(
      await rejection(
        handle.executeUpdate(changeUpdate, {
          args: [await changeCommand(harness, subscriptionId, { edits: [{ planId: yearlyAddOn.id }] })],
        }),
      ),
    ).toEqual({
      type: 'InvalidCommandArgument',
      message: 'All items of a subscription bill on the same interval',
    });
    expect(await rejection(handle.executeUpdate(resumeUpdate, { args: [] }))).toEqual({
      type: 'InvalidSubscriptionState',
      message: 'Only a paused subscription can be resumed; it is active',
    });
    await handle.executeUpdate(pauseUpdate, { args: [{ at: 'immediately' }] });
    expect(await rejection(handle.executeUpdate(pauseUpdate, { args: [{ at: 'immediately' }] }))).toEqual({
      type: 'InvalidSubscriptionState',
      message: 'Subscription is already paused',
    });
    const threeSeats = await changeCommand(harness, subscriptionId, {
      edits: [{ id: await baseItemId(harness, subscriptionId), quantity: 3 }],
      timing: 'period_end',
    });
    await handle.executeUpdate(cancelUpdate, { args: [{ at: 'immediately' }] });
    expect(await rejection(handle.executeUpdate(changeUpdate, { args: [threeSeats] }))).toMatchObject({
      type: 'WorkflowNotFound',
    });
    await recordChainIfAsked('lifecycle-commands', harness.env.client, handle.workflowId);
  });
});
