import { type ChildProcess, fork, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../scripts/provision/ports';
import { createApiKey } from '../src/db/api-keys';
import { Invoice, Meter, Plan, PlanPrice, Product } from '../src/db/entities';
import type { LoadResult, LoadRun, RouteName } from './api-load';
import {
  BENCH_WEBHOOK_SECRET,
  type BenchStack,
  machine,
  mb,
  rssOfPid,
  seedCustomers,
  seedSellerAndPlan,
  startBenchStack,
  startSubscriptions,
  waitForIdleWorker,
  waitUntil,
  writeResult,
} from './stack';

/**
 * API benchmark: autocannon against the real API (worker, dev server, PostgreSQL, SMTP catcher behind it) at
 * several concurrencies, with /healthz as the ceiling of the HTTP stack. The API is src/api/server.ts in a process
 * of its own, as it runs in production, so its figures do not include the worker's activities.
 *
 *   npm run bench:api -- --concurrency 1,10,50 --duration 8
 */
const ALL_ROUTES = 'healthz,get_subscription,list_subscriptions,pause_resume,usage_batch';
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,10,50' },
    duration: { type: 'string', default: '8' },
    routes: {
      type: 'string',
      default: 'healthz,get_subscription,list_subscriptions,pause_resume,usage_batch',
    },
  },
});
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const DURATION = Number(values.duration);
const ROUTES = values.routes.split(',') as RouteName[];
const START = '2027-01-01T00:00:00.000Z';

interface ApiProcess {
  child: ChildProcess;
  url: string;
  /** SIGTERM: the server stops taking connections and answers the requests in its handlers before it exits. */
  stop(): Promise<void>;
}

/** The production API entry point on its own port, with the production defaults but for the rate limit. */
async function startApiProcess(stack: BenchStack): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'api', 'server.ts')], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'silent',
      DATABASE_URL: stack.postgresUrl,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_URL: stack.catcher.smtpUrl,
      SANDBOX_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      // The default limit (1,200 a minute per key) would turn most of the load into 429s.
      RATE_LIMIT_PER_MINUTE: '100000000',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the API process exited (${child.exitCode}): ${stderr}`);
      return (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
    },
    'the API process to be ready',
    60_000,
  );
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      // autocannon stops at its deadline with requests still in the handlers (a pause waits on its workflow).
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function main(): Promise<void> {
  const stack = await startBenchStack('api');
  const loader = fork(path.join(__dirname, 'api-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  let api: ApiProcess | undefined;
  try {
    const { orm, gateway } = stack;
    const plan = await seedSellerAndPlan(orm);
    // One subscription to read, plus a fresh set per pause/resume run so no run starts on a paused one.
    const pauseSlices = CONCURRENCIES.map((c) => c);
    const total = 1 + pauseSlices.reduce((sum, c) => sum + c, 0);
    const customers = await seedCustomers(orm, gateway, total + 1);
    const em = orm.em.fork();
    const meteredPlan = em.create(Plan, {
      product: em.create(Product, { name: 'API calls' }),
      name: 'Calls',
      intervalUnit: 'month',
      intervalCount: 1,
      pricingModel: 'per_unit',
      meter: em.create(Meter, { name: 'Calls', eventName: 'api_call', aggregation: 'sum' }),
    });
    em.create(PlanPrice, {
      plan: meteredPlan,
      currency: 'EUR',
      scheme: { model: 'per_unit', unitAmount: 5 },
    });
    await em.flush();
    const [meteredCustomer, ...flat] = customers;
    if (!meteredCustomer) throw new Error('no customers seeded');
    const ids = await startSubscriptions(stack, plan, flat, { concurrency: 20, testClockTime: START });
    const [meteredId] = await startSubscriptions(stack, meteredPlan, [meteredCustomer], {
      concurrency: 1,
      testClockTime: START,
    });
    if (!meteredId) throw new Error('the metered subscription did not start');

    // The first invoices (charge, PDF, email) run in this process's worker: measuring before they are done would
    // measure them.
    await waitUntil(
      async () => (await orm.em.fork().count(Invoice, { periodIndex: 0, status: 'paid' })) >= ids.length,
      'first invoices',
    );

    await waitForIdleWorker(stack.worker);
    const { secret } = await createApiKey(orm.em.fork(), 'bench');
    api = await startApiProcess(stack);
    const url = api.url;
    const authorization = `Bearer ${secret}`;

    // A route that does not answer 200 once would make its figures meaningless: check each before loading it.
    const probe = await fetch(`${url}/v1/subscriptions/${ids[0]}`, { headers: { authorization } });
    if (probe.status !== 200) throw new Error(`get subscription answered ${probe.status}`);

    const runOnce = (run: LoadRun): Promise<LoadResult> =>
      new Promise((resolve, reject) => {
        loader.once('message', (message: { ok: boolean; result?: LoadResult; error?: string }) =>
          message.ok && message.result ? resolve(message.result) : reject(new Error(message.error)),
        );
        loader.send(run);
      });

    const rows: LoadResult[] = [];
    // Concurrency outside, routes inside: on a shared machine the load drifts, and each route's ratio to /healthz
    // is only fair against a /healthz run measured next to it.
    let offset = 1;
    for (const connections of CONCURRENCIES) {
      for (const route of ROUTES) {
        const subscriptionIds =
          route === 'pause_resume' ? ids.slice(offset, offset + connections) : [ids[0] ?? ''];
        if (route === 'pause_resume') offset += connections;
        const result = await runOnce({
          url,
          route,
          connections,
          durationSeconds: DURATION,
          authorization,
          subscriptionIds,
          meteredSubscriptionId: meteredId,
        });
        rows.push(result);
        console.log(
          `${route} c=${connections}: ${result.requests_per_second} req/s, p99 ${result.latency_p99_ms} ms, ` +
            `non-2xx ${result.non_2xx}`,
        );
      }
    }
    rows.sort((a, b) => ROUTES.indexOf(a.route) - ROUTES.indexOf(b.route) || a.connections - b.connections);
    const ceiling = new Map(
      rows.filter((row) => row.route === 'healthz').map((row) => [row.connections, row.requests_per_second]),
    );
    const table = rows.map((row) => {
      const healthz = ceiling.get(row.connections);
      return {
        ...row,
        of_healthz: healthz ? Math.round((row.requests_per_second / healthz) * 1000) / 1000 : null,
      };
    });
    console.table(
      table.map((row) => ({
        route: row.route,
        c: row.connections,
        'req/s': row.requests_per_second,
        'p50 ms': row.latency_p50_ms,
        'p99 ms': row.latency_p99_ms,
        'p99.9 ms': row.latency_p99_9_ms,
        'non-2xx': row.non_2xx,
        '÷ healthz': row.of_healthz,
      })),
    );
    // A partial run (some routes only, e.g. under a profiler) must not overwrite the full figures.
    await writeResult(values.routes === ALL_ROUTES ? 'api.json' : `api-${ROUTES.join('-')}.json`, {
      benchmark: 'api',
      ...machine(),
      duration_seconds_per_run: DURATION,
      worker_process_rss_mb: mb(process.memoryUsage().rss),
      api_process_rss_mb: api.child.pid ? mb(rssOfPid(api.child.pid) ?? 0) : null,
      note: 'pause_resume counts each request; a round trip is two of them',
      runs: table,
    });
  } finally {
    loader.kill();
    // Before the stack: the requests still in the API's handlers need Temporal and PostgreSQL to answer.
    await api?.stop();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
