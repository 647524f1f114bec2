import { EmailMessage, Invoice, PaymentAttempt } from '../../../src/db/entities';
import {
  testClockAdvancedSignal,
  updatePaymentMethodUpdate,
} from '../../../src/workflows/lifecycle/messages';
import { recordChainIfAsked } from '../../support/histories';
import {
  advanceClock,
  attachCard,
  handleOf,
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

describe('lifecycle: trials and dunning', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const emailKinds = async (subscriptionId: string) =>
    (
      await harness.db.orm.em
        .fork()
        .find(EmailMessage, { causeKey: { $like: `${subscriptionId}:%` } }, { orderBy: { createdAt: 'asc' } })
    ).map((email) => email.kind);

  test('a 14-day trial with a card sends one reminder 3 days before its end, then charges and turns active', async () => {
    const plan = await seedPlan(harness.db.orm, { trialDays: 14 });
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-03-01T12:00:00.000Z',
    });
    const trialing = await settled(harness, subscriptionId, '2027-03-01T12:00:00.000Z');
    expect(trialing.state).toMatchObject({ status: 'trialing', trialEnd: '2027-03-15T12:00:00.000Z' });
    expect(trialing.next).toEqual({ kind: 'trial_reminder', at: '2027-03-12T12:00:00.000Z' });

    await advanceClock(harness, subscriptionId, '2027-03-13T00:00:00.000Z');
    await advanceClock(harness, subscriptionId, '2027-03-14T00:00:00.000Z');
    expect(await emailKinds(subscriptionId)).toEqual(['welcome', 'trial_ending']);
    const invoicesDuringTrial = await harness.db.orm.em
      .fork()
      .count(Invoice, { subscription: subscriptionId });
    expect(invoicesDuringTrial).toBe(0);

    const active = await advanceClock(harness, subscriptionId, '2027-03-15T12:00:00.000Z');
    expect(active.state).toMatchObject({ status: 'active', trialEnd: null });
    expect(active.state.period).toEqual({
      start: '2027-03-15T12:00:00.000Z',
      end: '2027-04-15T12:00:00.000Z',
    });
    const invoices = await harness.db.orm.em.fork().find(Invoice, { subscription: subscriptionId });
    expect(invoices.map((invoice) => [invoice.status, invoice.total])).toEqual([['paid', 2261]]);
    expect(await emailKinds(subscriptionId)).toEqual(['welcome', 'trial_ending', 'receipt']);
  });

  test('a trial without a payment method is canceled at its end, as configured, and never invoiced', async () => {
    const plan = await seedPlan(harness.db.orm, { trialDays: 7 });
    const { customer } = await seedCustomer(harness, null);
    const { subscriptionId, handle } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      testClockTime: '2027-03-01T12:00:00.000Z',
    });
    await settled(harness, subscriptionId, '2027-03-01T12:00:00.000Z');
    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-03-09T00:00:00.000Z' });
    const result = await handle.result();
    // Canceled at the trial's end, when it fell due, not when the clock was next moved.
    expect(result.state).toMatchObject({
      status: 'canceled',
      canceledAt: '2027-03-08T12:00:00.000Z',
      cancelReason: 'trial_ended_without_payment_method',
    });
    expect(await harness.db.orm.em.fork().count(Invoice, { subscription: subscriptionId })).toBe(0);
    expect(await emailKinds(subscriptionId)).toEqual(['welcome', 'trial_ending', 'canceled']);
  });

  test('a declined renewal retries on days 1 and 3, and a new card recovers it at once; each notice goes out once', async () => {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_chargeDeclinedInsufficientFunds');
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      trialDays: 3,
      testClockTime: '2027-06-01T00:00:00.000Z',
    });
    const pastDue = await advanceClock(harness, subscriptionId, '2027-06-04T00:00:00.000Z');
    expect(pastDue.state.status).toBe('past_due');
    expect(pastDue.state.dunning).toMatchObject({
      failedAttempts: 1,
      nextRetryAt: '2027-06-05T00:00:00.000Z',
    });

    const afterFirstRetry = await advanceClock(harness, subscriptionId, '2027-06-05T12:00:00.000Z');
    expect(afterFirstRetry.state.dunning).toMatchObject({
      failedAttempts: 2,
      nextRetryAt: '2027-06-07T00:00:00.000Z',
    });
    const afterSecondRetry = await advanceClock(harness, subscriptionId, '2027-06-07T12:00:00.000Z');
    expect(afterSecondRetry.state.dunning).toMatchObject({
      failedAttempts: 3,
      nextRetryAt: '2027-06-09T00:00:00.000Z',
    });

    const visa = await attachCard(harness, customer, 'tok_visa');
    const recovered = await handleOf(harness, subscriptionId).executeUpdate(updatePaymentMethodUpdate, {
      args: [{ paymentMethodId: visa }],
    });
    expect(recovered.state).toMatchObject({ status: 'active', dunning: null, paymentMethodId: visa });
    await recordChainIfAsked(
      'lifecycle-dunning-recovered',
      harness.env.client,
      handleOf(harness, subscriptionId).workflowId,
    );

    const invoice = await harness.db.orm.em.fork().findOneOrFail(Invoice, { subscription: subscriptionId });
    expect(invoice.status).toBe('paid');
    const attempts = await harness.db.orm.em
      .fork()
      .find(PaymentAttempt, { invoice: invoice.id }, { orderBy: { attempt: 'asc' } });
    expect(attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.failureCode ?? null])).toEqual(
      [
        [1, 'failed', 'insufficient_funds'],
        [2, 'failed', 'insufficient_funds'],
        [3, 'failed', 'insufficient_funds'],
        [4, 'succeeded', null],
      ],
    );
    expect(await emailKinds(subscriptionId)).toEqual([
      'welcome',
      'payment_failed',
      'dunning_reminder',
      'dunning_second_reminder',
      'receipt',
    ]);
  });

  test('an exhausted dunning schedule cancels the subscription and marks the invoice uncollectible', async () => {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_chargeDeclined');
    const { subscriptionId, handle } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      trialDays: 1,
      testClockTime: '2027-06-01T00:00:00.000Z',
    });
    await advanceClock(harness, subscriptionId, '2027-06-02T00:00:00.000Z');
    for (const day of ['03', '05', '07'])
      await advanceClock(harness, subscriptionId, `2027-06-${day}T06:00:00.000Z`);
    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-06-09T06:00:00.000Z' });
    const result = await handle.result();

    await recordChainIfAsked('lifecycle-dunning-exhausted', harness.env.client, handle.workflowId);
    expect(result.state).toMatchObject({ status: 'canceled', cancelReason: 'payment_failed', dunning: null });
    const invoice = await harness.db.orm.em.fork().findOneOrFail(Invoice, { subscription: subscriptionId });
    expect(invoice.status).toBe('uncollectible');
    expect(await harness.db.orm.em.fork().count(PaymentAttempt, { invoice: invoice.id })).toBe(5);
    expect(await emailKinds(subscriptionId)).toEqual([
      'welcome',
      'payment_failed',
      'dunning_reminder',
      'dunning_second_reminder',
      'dunning_final_notice',
      'canceled',
    ]);
  });

  test('a first charge that fails without a trial leaves the subscription incomplete, expiring after 23 hours', async () => {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_chargeDeclinedExpiredCard');
    const { subscriptionId, handle } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-06-01T00:00:00.000Z',
    });
    const incomplete = await settled(harness, subscriptionId, '2027-06-01T00:00:00.000Z');
    expect(incomplete.state).toMatchObject({
      status: 'incomplete',
      incompleteExpiresAt: '2027-06-01T23:00:00.000Z',
    });
    // The customer is told at once, with the link to update the card, as in a dunning episode.
    expect(await emailKinds(subscriptionId)).toEqual(['welcome', 'payment_failed']);
    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-06-02T00:00:00.000Z' });
    expect((await handle.result()).state.status).toBe('incomplete_expired');
    await recordChainIfAsked('lifecycle-incomplete-expired', harness.env.client, handle.workflowId);
    const invoice = await harness.db.orm.em.fork().findOneOrFail(Invoice, { subscription: subscriptionId });
    expect(invoice.status).toBe('void');
  });
});
