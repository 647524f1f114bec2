import { fork } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/api/app';
import { createApiKey } from '../src/db/api-keys';
import { Invoice, Meter, Plan, PlanPrice, Product } from '../src/db/entities';
import { createLogger } from '../src/logging';
import { startSubscription } from '../src/subscriptions/start';
import type { LoadResult, LoadRun, RouteName } from './api-load';
import {
  inBatches,
  machine,
  mb,
  seedCustomers,
  seedSellerAndPlan,
  startBenchStack,
  waitUntil,
  writeResult,
} from './stack';

/**
 * API benchmark: autocannon against the real API (worker, dev server, PostgreSQL, SMTP catcher behind it) at
 * several concurrencies, with /healthz as the ceiling of the HTTP stack.
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

async function main(): Promise<void> {
  const stack = await startBenchStack('api');
  const loader = fork(path.join(__dirname, 'api-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  let server: Server | undefined;
  let inFlight = 0;
  try {
    const { orm, env, gateway, taskQueue } = stack;
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
    const ids: string[] = [];
    const [meteredCustomer, ...flat] = customers;
    if (!meteredCustomer) throw new Error('no customers seeded');
    await inBatches(flat, 20, async (customer) => {
      const started = await startSubscription(
        { em: orm.em.fork(), client: env.client, taskQueue },
        {
          customerId: customer.id,
          planId: plan.id,
          currency: 'EUR',
          paymentMethodId: customer.pm,
          testClockTime: START,
        },
      );
      ids.push(started.subscriptionId);
    });
    const metered = await startSubscription(
      { em: orm.em.fork(), client: env.client, taskQueue },
      {
        customerId: meteredCustomer.id,
        planId: meteredPlan.id,
        currency: 'EUR',
        paymentMethodId: meteredCustomer.pm,
        testClockTime: START,
      },
    );

    // The first invoices (charge, PDF, email) run in this process's worker: measuring before they are done would
    // measure them.
    await waitUntil(
      async () => (await orm.em.fork().count(Invoice, { periodIndex: 0, status: 'paid' })) >= ids.length,
      'first invoices',
    );

    const app = createApp({
      orm,
      client: env.client,
      logger: createLogger('silent', 'bench-api'),
      // The default limit (1,200 a minute per key) would turn most of the load into 429s.
      config: { TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: 100_000_000 },
      gateway,
    });
    const { secret } = await createApiKey(orm.em.fork(), 'bench');
    const listening = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
    });
    server = listening;
    listening.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      inFlight++;
      // Counted when the handler ends the response, not when it is flushed: autocannon drops its connections at
      // the deadline, and a response to a gone client never emits 'finish'.
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      let ended = false;
      res.end = ((...args: unknown[]) => {
        if (!ended) inFlight--;
        ended = true;
        return end(...args);
      }) as ServerResponse['end'];
    });
    const address = listening.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
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
          meteredSubscriptionId: metered.subscriptionId,
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
      process_rss_mb: mb(process.memoryUsage().rss),
      note: 'pause_resume counts each request; a round trip is two of them',
      runs: table,
    });
  } finally {
    loader.kill();
    if (server) {
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      // autocannon stops at its deadline with requests still in the handlers (a pause waits on its workflow): let
      // them answer before the Temporal connection goes away under them.
      await waitUntil(async () => inFlight === 0, 'in-flight requests', 60_000).catch(() => undefined);
      server.closeAllConnections();
      await closing;
    }
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
