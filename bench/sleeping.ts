import { parseArgs } from 'node:util';
import { Invoice } from '../src/db/entities';
import {
  childPids,
  machine,
  mb,
  phaseTimeoutMs,
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
 * timer. Measures the time to start them all (first invoice paid) and what the sleepers cost at rest: the worker's
 * RSS (this process) and the Temporal dev server's (from /proc).
 *
 *   npm run bench:sleeping -- --n 10000
 */
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '25' },
    settle: { type: 'string', default: '10' },
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const SETTLE_SECONDS = Number(values.settle);

async function main(): Promise<void> {
  const stack = await startBenchStack('sleeping');
  try {
    const { orm, gateway } = stack;
    const servers = childPids(/start-dev/);
    const serverRss = (): number | null => {
      const sizes = servers.map(rssOfPid).filter((size): size is number => size !== null);
      return sizes.length ? sizes.reduce((sum, size) => sum + size, 0) : null;
    };
    const plan = await seedSellerAndPlan(orm);
    const customers = await seedCustomers(orm, gateway, N);
    const before = { worker: process.memoryUsage().rss, server: serverRss() };

    const began = Date.now();
    await startSubscriptions(stack, plan, customers, { concurrency: CONCURRENCY });
    const startCallsMs = Date.now() - began;
    await waitUntil(
      async () => (await orm.em.fork().count(Invoice, { periodIndex: 0, status: 'paid' })) >= N,
      'first invoices',
      phaseTimeoutMs(N),
    );
    const allActiveMs = Date.now() - began;
    let peakWorker = process.memoryUsage().rss;
    let peakServer = serverRss() ?? 0;
    // At rest the workflows only hold timers; a short wait lets the last tasks and the outbox finish.
    for (let i = 0; i < SETTLE_SECONDS; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      peakWorker = Math.max(peakWorker, process.memoryUsage().rss);
      peakServer = Math.max(peakServer, serverRss() ?? 0);
    }
    global.gc?.();
    const result = {
      benchmark: 'sleeping',
      ...machine(),
      subscriptions: N,
      start_calls_ms: startCallsMs,
      start_all_active_ms: allActiveMs,
      starts_per_second: Math.round((N / allActiveMs) * 1000 * 10) / 10,
      worker_rss_before_mb: mb(before.worker),
      worker_rss_at_rest_mb: mb(process.memoryUsage().rss),
      worker_rss_peak_mb: mb(peakWorker),
      dev_server_pids: servers.join(' '),
      dev_server_rss_before_mb: before.server === null ? null : mb(before.server),
      dev_server_rss_at_rest_mb: mb(serverRss() ?? 0),
      dev_server_rss_peak_mb: mb(peakServer),
    };
    console.table(result);
    await writeResult(`sleeping-${N}.json`, result);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
