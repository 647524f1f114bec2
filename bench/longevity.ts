import type { WorkflowHandle } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { Customer, Invoice, PaymentMethod } from '../src/db/entities';
import { startSubscription } from '../src/subscriptions/start';
import {
  getSubscriptionQuery,
  lifecycleWorkflowIdFor,
  type SubscriptionSnapshot,
  updatePaymentMethodUpdate,
} from '../src/workflows/lifecycle/messages';
import {
  machine,
  mb,
  seedCustomers,
  seedSellerAndPlan,
  startTimeSkippingStack,
  waitUntil,
  writeResult,
} from './stack';

/**
 * Longevity: one monthly subscription through N simulated years on the time-skipping server, on its own workflow
 * timers, with one dunning episode a year (the card declines at a mid-year renewal and its first retry, then a new
 * card recovers it). The cost per renewal must stay flat: wall time per year and history events per run.
 *
 *   npm run bench:longevity -- --years 10
 */
const { values } = parseArgs({ options: { years: { type: 'string', default: '10' } } });
const YEARS = Number(values.years);
const DAY = 24 * 60 * 60 * 1000;

async function main(): Promise<void> {
  const stack = await startTimeSkippingStack('longevity');
  try {
    const { orm, env, gateway, taskQueue } = stack;
    const plan = await seedSellerAndPlan(orm);
    const [customer] = await seedCustomers(orm, gateway, 1);
    if (!customer) throw new Error('no customer seeded');
    const em = orm.em.fork();
    const { customerRef } = await gateway.createCustomer({ idempotencyKey: `customer:${customer.id}` });
    const declining = await gateway.attachPaymentMethod({
      customerRef,
      token: 'tok_chargeDeclinedInsufficientFunds',
      idempotencyKey: `${customer.id}:declining`,
    });
    const decliningMethod = em.create(PaymentMethod, {
      customer: em.getReference(Customer, customer.id),
      gateway: 'sandbox',
      token: declining.paymentMethodRef,
      brand: declining.brand,
      last4: declining.last4,
    });
    await em.flush();

    const { subscriptionId } = await startSubscription(
      { em: orm.em.fork(), client: env.client, taskQueue },
      { customerId: customer.id, planId: plan.id, currency: 'EUR', paymentMethodId: customer.pm },
    );
    const handle: WorkflowHandle = env.client.workflow.getHandle(lifecycleWorkflowIdFor(subscriptionId));
    const query = (): Promise<SubscriptionSnapshot> => handle.query(getSubscriptionQuery);
    const paidCount = (): Promise<number> =>
      orm.em.fork().count(Invoice, { subscription: subscriptionId, status: 'paid' });
    const origin = await env.currentTimeMs();
    const sleepTo = async (at: number): Promise<void> => {
      const now = await env.currentTimeMs();
      if (at > now) await env.sleep(at - now);
    };
    // Time stands still between sleeps; the renewals that fell due in one still run their activities after it.
    const caughtUp = async (): Promise<SubscriptionSnapshot> => {
      let latest: SubscriptionSnapshot | undefined;
      const now = await env.currentTimeMs();
      await waitUntil(
        async () => {
          latest = await query();
          return (
            Date.parse(latest.state.period.end) > now &&
            latest.state.dunning === null &&
            (await paidCount()) === latest.state.renewals + 1
          );
        },
        'renewals to catch up',
        5 * 60 * 1000,
      );
      if (!latest) throw new Error('no snapshot');
      return latest;
    };
    await caughtUp();

    const years: { year: number; wall_ms: number; renewals: number; wall_ms_per_renewal: number }[] = [];
    let renewalsBefore = 0;
    for (let year = 1; year <= YEARS; year++) {
      const began = Date.now();
      const yearStart = origin + (year - 1) * 365 * DAY;
      await sleepTo(yearStart + 180 * DAY);
      const midYear = await caughtUp();
      await handle.executeUpdate(updatePaymentMethodUpdate, {
        args: [{ paymentMethodId: decliningMethod.id }],
      });
      // The renewal at this period's end declines, so does the retry a day later; then the customer fixes it.
      await sleepTo(Date.parse(midYear.state.period.end) + 1.5 * DAY);
      await waitUntil(
        async () => ((await query()).state.dunning?.failedAttempts ?? 0) >= 2,
        'the dunning episode',
        5 * 60 * 1000,
      );
      const recovered = await handle.executeUpdate(updatePaymentMethodUpdate, {
        args: [{ paymentMethodId: customer.pm }],
      });
      if (recovered.state.dunning !== null || recovered.state.status !== 'active') {
        throw new Error(`year ${year}: the new card did not recover the subscription`);
      }
      await sleepTo(yearStart + 365 * DAY);
      const end = await caughtUp();
      const renewals = end.state.renewals - renewalsBefore;
      renewalsBefore = end.state.renewals;
      const wall = Date.now() - began;
      years.push({
        year,
        wall_ms: wall,
        renewals,
        wall_ms_per_renewal: Math.round(wall / Math.max(1, renewals)),
      });
      console.log(`year ${year}: ${wall} ms, ${renewals} renewals`);
    }

    // Walk the continue-as-new chain back from the current run: each run's size, by the simulated year it began.
    const runs: { year: number; events: number }[] = [];
    let runId: string | undefined;
    for (;;) {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const first = history.events?.[0];
      const startedAt = Number(first?.eventTime?.seconds ?? 0) * 1000;
      runs.push({
        year: Math.min(YEARS, Math.floor((startedAt - origin) / (365 * DAY)) + 1),
        events: history.events?.length ?? 0,
      });
      const previous = first?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
      if (!previous) break;
      runId = previous;
    }
    const table = years.map((row) => {
      const sizes = runs.filter((run) => run.year === row.year).map((run) => run.events);
      return {
        ...row,
        runs: sizes.length,
        history_events_max: sizes.length ? Math.max(...sizes) : 0,
        history_events_mean: sizes.length
          ? Math.round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length)
          : 0,
      };
    });
    console.table(table);
    const invoices = await orm.em.fork().count(Invoice, { subscription: subscriptionId });
    await writeResult('longevity.json', {
      benchmark: 'longevity',
      ...machine(),
      simulated_years: YEARS,
      invoices,
      paid_invoices: await paidCount(),
      process_rss_mb: mb(process.memoryUsage().rss),
      years: table,
    });
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
