import { parseArgs } from 'node:util';
import { Invoice, Subscription } from '../src/db/entities';
import { cancelUpdate, lifecycleWorkflowIdFor } from '../src/workflows/lifecycle/messages';
import {
  engineDescription,
  engineFlags,
  engineOptions,
  inBatches,
  machine,
  mb,
  phaseTimeoutMs,
  perSecond,
  ratio,
  rssOfPid,
  seedCustomers,
  seedSellerAndPlan,
  startBenchStack,
  startSubscriptions,
  waitUntil,
  writeResult,
} from './stack';

/**
 * Sleeping subscriptions: N active monthly subscriptions on real time, each workflow waiting on its period-end
 * timer. Measures the time to start them all (first invoice paid; the pause at rest after the first tenth is not
 * counted) and what the sleepers cost at rest: the worker processes' RSS (with the workflow cache and heap settings
 * used) and the Temporal server's, from /proc, before any, with the first tenth (warm), with none again after
 * that tenth is canceled (the same processes, warmed up, with no subscription to hold) and with all of them.
 *
 *   npm run bench:sleeping -- --n 10000 --cache-mb 64 --heap-mb 256
 */
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '25' },
    settle: { type: 'string', default: '10' },
    ...engineFlags,
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const SETTLE_SECONDS = Number(values.settle);
const OPTIONS = engineOptions(values);

async function main(): Promise<void> {
  const stack = await startBenchStack('sleeping', OPTIONS);
  try {
    const { orm, gateway, workers } = stack;
    const serverRss = (): number => stack.temporalPids().reduce((sum, pid) => sum + (rssOfPid(pid) ?? 0), 0);
    const plan = await seedSellerAndPlan(orm);
    const customers = await seedCustomers(orm, gateway, N);
    // Before: the workers have bundled their workflows and poll, with nothing to run.
    const before = { workers: workers.rss(), server: serverRss() };

    const paid = () => orm.em.fork().count(Invoice, { periodIndex: 0, status: 'paid' });
    // Warm: a tenth of them started and at rest. What grows from here on grows with the number of subscriptions;
    // what came before is the code and heap a worker takes on with its first activities.
    const warmCount = Math.min(N, Math.max(100, Math.round(N / 10)));
    let began = Date.now();
    const warmIds = await startSubscriptions(stack, plan, customers.slice(0, warmCount), {
      concurrency: CONCURRENCY,
    });
    const warmCallsMs = Date.now() - began;
    await waitUntil(
      async () => (await paid()) >= warmCount,
      'the warm-up invoices',
      phaseTimeoutMs(warmCount),
    );
    const warmActiveMs = Date.now() - began;
    const warmPeak = { workers: workers.rss(), server: serverRss() };
    await workers.waitForIdle();
    const warm = { workers: workers.rss(), server: serverRss() };

    // None again: the warm tenth canceled, its workflows closed. The processes keep what their first activities
    // made them take on (heap at its working size, compiled code, fonts, pools), so the sleepers' own cost is what
    // the full run adds to this.
    await inBatches(warmIds, CONCURRENCY, (id) =>
      stack.client.workflow
        .getHandle(lifecycleWorkflowIdFor(id))
        .executeUpdate(cancelUpdate, { args: [{ at: 'immediately', unused: 'none' }] }),
    );
    await waitUntil(
      async () => (await orm.em.fork().count(Subscription, { status: 'canceled' })) >= warmCount,
      'the warm tenth canceled',
      phaseTimeoutMs(warmCount),
    );
    await workers.waitForIdle();
    const none = { workers: workers.rss(), server: serverRss() };

    began = Date.now();
    await startSubscriptions(stack, plan, customers, { concurrency: CONCURRENCY });
    const startCallsMs = warmCallsMs + Date.now() - began;
    await waitUntil(async () => (await paid()) >= warmCount + N, 'first invoices', phaseTimeoutMs(N));
    const allActiveMs = warmActiveMs + Date.now() - began;
    let peak = {
      workers: Math.max(warmPeak.workers, workers.rss()),
      server: Math.max(warmPeak.server, serverRss()),
    };
    await workers.waitForIdle();
    // At rest the workflows only hold timers; a short wait lets the last tasks and the outbox finish.
    for (let i = 0; i < SETTLE_SECONDS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peak = {
        workers: Math.max(peak.workers, workers.rss()),
        server: Math.max(peak.server, serverRss()),
      };
    }
    const atRest = { workers: workers.rss(), server: serverRss() };
    const result = {
      benchmark: 'sleeping',
      ...machine(),
      ...engineDescription(OPTIONS),
      subscriptions: N,
      // The warm tenth's subscriptions, canceled before the N: every start, first invoice and PDF counted below.
      subscriptions_started: warmCount + N,
      start_calls_ms: startCallsMs,
      start_all_active_ms: allActiveMs,
      starts_per_second: perSecond(warmCount + N, allActiveMs),
      worker_rss_before_mb: mb(before.workers),
      worker_rss_at_rest_mb: mb(atRest.workers),
      worker_rss_peak_mb: mb(peak.workers),
      worker_rss_at_rest_over_before: ratio(atRest.workers, before.workers),
      worker_rss_growth_per_subscription_kb: Math.round((atRest.workers - before.workers) / 1024 / N),
      warm_subscriptions: warmCount,
      worker_rss_warm_mb: mb(warm.workers),
      worker_rss_at_rest_over_warm: ratio(atRest.workers, warm.workers),
      worker_rss_growth_per_subscription_after_warm_kb:
        N > warmCount ? Math.round((atRest.workers - warm.workers) / 1024 / (N - warmCount)) : null,
      worker_rss_none_after_warm_up_mb: mb(none.workers),
      worker_rss_at_rest_over_none_after_warm_up: ratio(atRest.workers, none.workers),
      temporal_pids: stack.temporalPids().join(' '),
      temporal_rss_before_mb: mb(before.server),
      temporal_rss_warm_mb: mb(warm.server),
      temporal_rss_none_after_warm_up_mb: mb(none.server),
      temporal_rss_at_rest_mb: mb(atRest.server),
      temporal_rss_peak_mb: mb(peak.server),
    };
    console.table(result);
    await writeResult(`sleeping-${OPTIONS.backend}-${N}.json`, result);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
