import { Invoice } from '../../../src/db/entities';
import { getSubscriptionQuery } from '../../../src/workflows/lifecycle/messages';
import { RECORDED_VERSION, recordHistoryIfAsked } from '../../support/histories';
import {
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

/** Events one billing period may add to a run's history; continue-as-new keeps every run near this size. */
const HISTORY_EVENTS_PER_RUN_BOUND = 20;

describe('lifecycle: ten years on the time-skipping server', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness({ server: 'time-skipping' });
  });

  afterAll(async () => {
    await harness?.close();
  });

  test('120 monthly renewals on the workflow timers: one paid invoice per period and a bounded history in every run', async () => {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const { subscriptionId, handle } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
    });
    const historySizes: number[] = [];
    const wallTimes: number[] = [];
    for (let year = 1; year <= 10; year++) {
      const began = Date.now();
      await harness.env.sleep('365 days');
      // Wait for the year's last renewal to be recorded, then look at the run that is now current.
      const expectedInvoices = Math.min(12 * year + 1, 121);
      for (let i = 0; i < 400; i++) {
        const count = await harness.db.orm.em
          .fork()
          .count(Invoice, { subscription: subscriptionId, status: 'paid' });
        if (count >= expectedInvoices - 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      wallTimes.push(Date.now() - began);
      // The run that just completed a renewal and continued as new is the previous one in the chain.
      const current = await handle.fetchHistory();
      const previousRunId =
        current.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
      const completed = await harness.env.client.workflow
        .getHandle(handle.workflowId, previousRunId)
        .fetchHistory();
      historySizes.push(completed.events?.length ?? 0);
      if (year === 10) await recordHistoryIfAsked(`lifecycle-monthly-renewal-${RECORDED_VERSION}`, completed);
    }
    console.log(
      `ten simulated years: wall ms per year ${JSON.stringify(wallTimes)}, history events of the run that ` +
        `renewed last in each year ${JSON.stringify(historySizes)}`,
    );

    const invoices = await harness.db.orm.em
      .fork()
      .find(Invoice, { subscription: subscriptionId }, { orderBy: { periodIndex: 'asc' } });
    expect(invoices.length).toBeGreaterThanOrEqual(120);
    expect(invoices.map((invoice) => invoice.periodIndex)).toEqual(invoices.map((_, index) => index));
    expect(new Set(invoices.map((invoice) => invoice.status))).toEqual(new Set(['paid']));
    expect(Math.max(...historySizes)).toBeLessThan(HISTORY_EVENTS_PER_RUN_BOUND);
    const snapshot = await handle.query(getSubscriptionQuery);
    expect(snapshot.state.status).toBe('active');
    expect(snapshot.state.renewals).toBe(invoices.length - 1);
  });
});
