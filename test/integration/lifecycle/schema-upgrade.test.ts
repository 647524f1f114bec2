import { Invoice, Subscription } from '../../../src/db/entities';
import { periodBounds } from '../../../src/domain/calendar';
import { committedState } from '../../../src/subscriptions/commands';
import type { LegacyLifecycleInput } from '../../../src/workflows/lifecycle/legacy/workflow-v1';
import type { SubscriptionState as LegacyState } from '../../../src/workflows/lifecycle/legacy/state-v1';
import {
  changeUpdate,
  getSubscriptionQuery,
  lifecycleWorkflowIdFor,
  testClockAdvancedSignal,
} from '../../../src/workflows/lifecycle/messages';
import { subscriptionLifecycleWorkflow } from '../../../src/workflows/lifecycle/workflow';
import { CustomerIdKey, PlanIdKey, SubscriptionStatusKey } from '../../../src/workflows/search-attributes';
import { recordChainIfAsked } from '../../support/histories';
import {
  changeCommand,
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  startLifecycleHarness,
} from '../../support/lifecycle';

/**
 * Subscriptions started before the item model keep running on the version 1 code they started with, and move to
 * the item model at their next continue-as-new: at a renewal, or at once when a command of the new shapes arrives.
 */
describe('lifecycle: runs of schema version 1 hand over to the item model', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const T0 = '2027-03-01T00:00:00.000Z';

  /** What `startSubscription` wrote and started before the item model: a read model row and a version 1 run. */
  async function startVersion1(planId: string, unitAmount: number, quantity: number) {
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const subscriptionId = `sub_${Date.now().toString(16).padStart(24, '0').slice(-24)}`;
    const interval = { unit: 'month' as const, count: 1 };
    const period = periodBounds(T0, interval, 0, 'UTC');
    const state: LegacyState = {
      subscriptionId,
      customerId: customer.id,
      currency: 'EUR',
      plan: { planId, unitAmount },
      quantity,
      status: 'active',
      timeZone: 'UTC',
      anchor: T0,
      anchorPeriodIndex: 0,
      interval,
      periodIndex: 0,
      period,
      renewalReminderAt: null,
      renewalReminderSent: false,
      trialEnd: null,
      trialReminderAt: null,
      trialReminderSent: false,
      trialEndWithoutPaymentMethod: 'cancel',
      paymentMethodId,
      cancelAtPeriodEnd: false,
      cancelReason: null,
      canceledAt: null,
      pause: null,
      pauseAtPeriodEnd: null,
      scheduledChange: null,
      dunning: null,
      incompleteExpiresAt: null,
      renewals: 0,
    };
    const em = harness.db.orm.em.fork();
    em.create(Subscription, {
      id: subscriptionId,
      customer,
      plan: em.getReference('Plan', planId) as never,
      status: 'active',
      quantity,
      currency: 'EUR',
      billingAnchor: new Date(T0),
      currentPeriodStart: new Date(period.start),
      currentPeriodEnd: new Date(period.end),
      workflowId: lifecycleWorkflowIdFor(subscriptionId),
    });
    await em.flush();
    const input: LegacyLifecycleInput = {
      state,
      clock: { kind: 'test', frozenTime: T0 },
      opened: false,
      eventSeq: 0,
    };
    const handle = await harness.env.client.workflow.start(subscriptionLifecycleWorkflow, {
      workflowId: lifecycleWorkflowIdFor(subscriptionId),
      taskQueue: harness.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: CustomerIdKey, value: customer.id },
        { key: PlanIdKey, value: planId },
        { key: SubscriptionStatusKey, value: 'active' },
      ],
    });
    return { subscriptionId, handle };
  }

  test('a version 1 run renews on its own code, then continues in the item model with its item priced from the catalogue', async () => {
    const plan = await seedPlan(harness.db.orm, { name: 'Legacy beans', amounts: { EUR: 1900 } });
    const { subscriptionId, handle } = await startVersion1(plan.id, 1900, 2);
    const first = await settled(harness, subscriptionId, T0);
    expect(first.state).toMatchObject({ status: 'active', plan: { planId: plan.id }, quantity: 2 });
    expect((first.state as { schemaVersion?: number }).schemaVersion).toBeUndefined();

    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-04-01T00:00:00.000Z' });
    const renewed = await settled(harness, subscriptionId, '2027-04-01T00:00:00.000Z');
    expect(renewed.state).toMatchObject({ schemaVersion: 2, status: 'active', periodIndex: 1 });
    expect(renewed.state.items).toEqual([
      expect.objectContaining({
        planId: plan.id,
        name: 'Legacy beans',
        quantity: 2,
        amount: 3800,
        metered: false,
      }),
    ]);
    const invoices = await harness.db.orm.em
      .fork()
      .find(Invoice, { subscription: subscriptionId }, { orderBy: { periodIndex: 'asc' } });
    expect(invoices.map((invoice) => [invoice.periodIndex, invoice.subtotal, invoice.status])).toEqual([
      [0, 3800, 'paid'],
      [1, 3800, 'paid'],
    ]);

    // The item model's runs renew on their own from here.
    await handle.signal(testClockAdvancedSignal, { frozenTime: '2027-05-01T00:00:00.000Z' });
    const next = await settled(harness, subscriptionId, '2027-05-01T00:00:00.000Z');
    expect(next.state).toMatchObject({ schemaVersion: 2, periodIndex: 2 });
    const row = await harness.db.orm.em.fork().findOneOrFail(Subscription, subscriptionId);
    expect(row.state?.schemaVersion).toBe(2);
    await recordChainIfAsked('lifecycle-schema-upgrade', harness.env.client, handle.workflowId);
  });

  test('a command of the item model sent to a version 1 run first makes it hand over, then applies', async () => {
    const plan = await seedPlan(harness.db.orm, { name: 'Legacy small', amounts: { EUR: 1000 } });
    const bigger = await seedPlan(harness.db.orm, { name: 'Legacy large', amounts: { EUR: 3000 } });
    const { subscriptionId, handle } = await startVersion1(plan.id, 1000, 1);
    await settled(harness, subscriptionId, T0);
    const em = harness.db.orm.em.fork();
    const row = await em.findOneOrFail(Subscription, subscriptionId);
    expect(row.state ?? null).toBeNull();

    const state = await committedState({ orm: harness.db.orm, client: harness.env.client }, row);
    expect(state).toMatchObject({ schemaVersion: 2, periodIndex: 0 });
    const current = await settled(harness, subscriptionId, T0);
    expect(current.state.schemaVersion).toBe(2);
    // The handed-over run records its state at once: the read model holds the item model too.
    expect((await harness.db.orm.em.fork().findOneOrFail(Subscription, subscriptionId)).state).toMatchObject({
      schemaVersion: 2,
      items: [expect.objectContaining({ planId: plan.id, name: 'Legacy small', amount: 1000 })],
    });
    const command = await changeCommand(harness, subscriptionId, {
      edits: [{ id: state.items[0]?.id as string, planId: bigger.id }],
      timing: 'period_end',
    });
    const changed = await handle.executeUpdate(changeUpdate, { args: [command] });
    expect(changed.state.scheduledChange?.items.map((item) => item.planId)).toEqual([bigger.id]);
    expect((await handle.query(getSubscriptionQuery)).state.items.map((item) => item.planId)).toEqual([
      plan.id,
    ]);
  });
});
