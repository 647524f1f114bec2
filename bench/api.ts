import { type ChildProcess, fork, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../scripts/provision/ports';
import { createApiKey } from '../src/db/api-keys';
import { Invoice, Meter, Plan, PlanPrice, Product } from '../src/db/entities';
import { lifecycleWorkflowIdFor } from '../src/workflows/lifecycle/messages';
import { commandRoutes, type LoadResult, type LoadRun, type RouteName } from './api-load';
import { medianUpdateTimeline } from './command-timeline';
import {
  type BenchStack,
  cpuBoundPerSecond,
  cpuMsByPart,
  engineDescription,
  engineFlags,
  engineOptions,
  machine,
  mb,
  cpuTicks,
  rssOfPid,
  seedCustomers,
  seedSellerAndPlan,
  startBenchStack,
  startSubscriptions,
  waitUntil,
  writeResult,
} from './stack';

/**
 * API benchmark: autocannon against the real API (worker processes, Temporal, PostgreSQL, SMTP catcher behind it)
 * at several concurrencies, with /healthz as the ceiling of the HTTP stack. The API is src/api/server.ts in a
 * process of its own, as it runs in production, so its figures do not include the workers' activities.
 *
 * Reads and usage run for `--duration` seconds, after `--warmup` seconds each that are not measured. Commands run
 * alone, each a fixed number of requests on subscriptions of their own: create (with its first charge) makes `--commands` subscriptions (times the
 * concurrency, within bounds), then pause pauses each of them once, then resume resumes each (with its charge).
 *
 *   npm run bench:api -- --concurrency 1,10,50 --duration 8 --backend server
 */
const ALL_ROUTES = 'healthz,get_subscription,list_subscriptions,create_subscription,pause,resume,usage_batch';
const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,10,50' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    commands: { type: 'string', default: '20' },
    routes: { type: 'string', default: ALL_ROUTES },
    ...engineFlags,
  },
});
const CONCURRENCIES = values.concurrency.split(',').map(Number);
const DURATION = Number(values.duration);
const ROUTES = values.routes.split(',') as RouteName[];
const OPTIONS = engineOptions(values);
/** Requests of a command run at concurrency c: enough for a p99 at c = 10, bounded for the 10-minute budget. */
const commandCount = (c: number): number =>
  Math.min(250, Math.max(Number(values.commands), c * Number(values.commands)));
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
  // BENCH_API_CPU_PROF_DIR=<dir> writes the API process's CPU profile there when it stops (for bench/README.md).
  const profileDir = process.env.BENCH_API_CPU_PROF_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = spawn(
    process.execPath,
    [...profiling, '--import', 'tsx', path.join('src', 'api', 'server.ts')],
    {
      cwd: path.resolve(__dirname, '..'),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'silent',
        ...stack.processEnv(),
        API_HOST: '127.0.0.1',
        API_PORT: String(port),
        // The default limit (1,200 a minute per key) would turn most of the load into 429s.
        RATE_LIMIT_PER_MINUTE: '100000000',
      },
    },
  );
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

type CpuByPart = ReturnType<typeof cpuMsByPart> & { api: number };

/** CPU a command costs each process, and what the machine's cores then allow (for the p99 targets at c = 10). */
interface CommandCpu {
  /** Per request, from the first request until the last answer. */
  until_answered_ms: CpuByPart & { total: number };
  /** Per request, until the workers are idle again: the receipts, credits and emails the command caused. */
  with_follow_ups_ms: CpuByPart & { total: number };
  cores: number;
  /**
   * The most requests a second the cores could answer if each cost only its CPU until answered (the follow-ups add at
   * most a few ms; the load generator and this process are not counted, so the true bound is lower).
   */
  machine_bound_per_second: number;
  /** Little's law at that bound: c requests in flight take at least c ÷ the bound each, on average. */
  mean_latency_floor_ms: number;
}

function commandCpuOf(
  before: CpuByPart,
  answered: CpuByPart,
  idle: CpuByPart,
  requests: number,
  connections: number,
): CommandCpu {
  const per = (after: CpuByPart) => {
    const parts = {
      api: (after.api - before.api) / requests,
      workers: (after.workers - before.workers) / requests,
      temporal: (after.temporal - before.temporal) / requests,
      postgres: (after.postgres - before.postgres) / requests,
    };
    const total = parts.api + parts.workers + parts.temporal + parts.postgres;
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      api: round(parts.api),
      workers: round(parts.workers),
      temporal: round(parts.temporal),
      postgres: round(parts.postgres),
      total: round(total),
    };
  };
  const untilAnswered = per(answered);
  // From the unrounded CPU: the rounded parts can sum to a tenth more or less than the total.
  const totalMs =
    (answered.api - before.api + answered.workers - before.workers) / requests +
    (answered.temporal - before.temporal + answered.postgres - before.postgres) / requests;
  const cores = os.availableParallelism();
  return {
    until_answered_ms: untilAnswered,
    with_follow_ups_ms: per(idle),
    cores,
    machine_bound_per_second: cpuBoundPerSecond({ total: totalMs }),
    mean_latency_floor_ms: Math.round((connections * totalMs) / cores),
  };
}

async function main(): Promise<void> {
  const stack = await startBenchStack('api', OPTIONS);
  const loader = fork(path.join(__dirname, 'api-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  let api: ApiProcess | undefined;
  try {
    const { orm, gateway } = stack;
    const plan = await seedSellerAndPlan(orm);
    // One subscription to read and a metered one for usage; then one customer per create request.
    const creates = ROUTES.includes('create_subscription')
      ? CONCURRENCIES.reduce((sum, c) => sum + commandCount(c), 0)
      : 0;
    const customers = await seedCustomers(orm, gateway, 2 + creates);
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
    const [meteredCustomer, reader, ...forCreates] = customers;
    if (!meteredCustomer || !reader) throw new Error('no customers seeded');
    const ids = await startSubscriptions(stack, plan, [reader], { concurrency: 1, testClockTime: START });
    const [meteredId] = await startSubscriptions(stack, meteredPlan, [meteredCustomer], {
      concurrency: 1,
      testClockTime: START,
    });
    if (!meteredId) throw new Error('the metered subscription did not start');

    // The first invoices (charge, PDF, email) run in the workers: measuring before they are done would measure them.
    await waitUntil(
      async () => (await orm.em.fork().count(Invoice, { periodIndex: 0, status: 'paid' })) >= ids.length,
      'first invoices',
    );

    await stack.workers.waitForIdle();
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

    // Each route that is not a command once, unmeasured (reads, and usage batches, which only add usage): the first
    // route to run would otherwise pay the API's JIT warm-up (in a run of three routes, 20 % more CPU per request
    // for whichever came first).
    for (const route of ROUTES.filter((name) => !commandRoutes.includes(name))) {
      await runOnce({
        url,
        route,
        connections: Math.max(...CONCURRENCIES),
        durationSeconds: Number(values.warmup),
        authorization,
        subscriptionIds: [ids[0] ?? ''],
        meteredSubscriptionId: meteredId,
      });
    }
    const apiPid = api.child.pid;
    if (apiPid === undefined) throw new Error('the API process has no pid');
    const rows: (LoadResult & { api_cpu_us_per_request: number; command_cpu?: CommandCpu })[] = [];
    const timelines: ({ route: RouteName; connections: number } & Awaited<
      ReturnType<typeof medianUpdateTimeline>
    >)[] = [];
    // Concurrency outside, routes inside: on a shared machine the load drifts, and each route's ratio to /healthz
    // is only fair against a /healthz run measured next to it.
    let offset = 0;
    for (const connections of CONCURRENCIES) {
      // The subscriptions this level's create run made: pause and resume each of them once.
      let created: string[] = [];
      for (const route of ROUTES) {
        const command = commandRoutes.includes(route);
        const amount = commandCount(connections);
        if (command && route !== 'create_subscription' && created.length === 0) {
          throw new Error(
            `${route} runs on the subscriptions create_subscription made: list it before ${route}`,
          );
        }
        const ticksBefore = cpuTicks(apiPid);
        const partsBefore = command ? cpuMsByPart(stack) : null;
        const result = await runOnce({
          url,
          route,
          connections,
          durationSeconds: DURATION,
          authorization,
          subscriptionIds: command && route !== 'create_subscription' ? created : [ids[0] ?? ''],
          meteredSubscriptionId: meteredId,
          ...(command ? { amount: route === 'create_subscription' ? amount : created.length } : {}),
          ...(route === 'create_subscription'
            ? { customers: forCreates.slice(offset, offset + amount), planId: plan.id }
            : {}),
        });
        if (route === 'create_subscription') {
          offset += amount;
          created = result.created_ids ?? [];
        }
        // CPU per request of the API process: unlike req/s, it does not move with what else the machine is doing.
        const apiCpuUs = Math.round(
          ((cpuTicks(apiPid) - ticksBefore) * 10_000) / Math.max(1, result.requests),
        );
        const { created_ids: _created, ...figures } = result;
        const answered = partsBefore ? { ...cpuMsByPart(stack), api: cpuTicks(apiPid) * 10 } : null;
        // A command's receipts, credits and emails finish in the workers after the answer: the next run starts after.
        if (command) await stack.workers.waitForIdle();
        const commandCpu =
          partsBefore && answered
            ? commandCpuOf(
                { ...partsBefore, api: ticksBefore * 10 },
                answered,
                { ...cpuMsByPart(stack), api: cpuTicks(apiPid) * 10 },
                result.requests,
                connections,
              )
            : undefined;
        rows.push({
          ...figures,
          api_cpu_us_per_request: apiCpuUs,
          ...(commandCpu ? { command_cpu: commandCpu } : {}),
        });
        console.log(
          `${route} c=${connections}: ${result.requests_per_second} req/s, p99 ${result.latency_p99_ms} ms, ` +
            `non-2xx ${result.non_2xx}, API CPU ${apiCpuUs} µs/request`,
        );
        if (commandCpu) {
          console.log(
            `  CPU ms a request until answered ${JSON.stringify(commandCpu.until_answered_ms)}, with what follows ` +
              `${JSON.stringify(commandCpu.with_follow_ups_ms)}; ${commandCpu.cores} cores allow ` +
              `${commandCpu.machine_bound_per_second}/s, so at c = ${connections} the mean cannot fall below ` +
              `${commandCpu.mean_latency_floor_ms} ms`,
          );
        }
        // Where a command's time went inside Temporal and the worker (create is a start, not an update).
        if (command && route !== 'create_subscription') {
          const timeline = await medianUpdateTimeline(stack.client, created.map(lifecycleWorkflowIdFor));
          timelines.push({ route, connections, ...timeline });
          console.log(
            `  its update, median of ${timeline.workflows}/${timeline.of} workflows: ` +
              timeline.steps.map((step) => `+${step.median_ms} ${step.type}`).join(', '),
          );
        }
      }
    }
    rows.sort((a, b) => ROUTES.indexOf(a.route) - ROUTES.indexOf(b.route) || a.connections - b.connections);
    const healthz = new Map(
      rows.filter((row) => row.route === 'healthz').map((row) => [row.connections, row]),
    );
    const ratio = (a?: number, b?: number) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
    const table = rows.map((row) => ({
      ...row,
      of_healthz: ratio(row.requests_per_second, healthz.get(row.connections)?.requests_per_second),
      // The same ratio in the API's CPU per request (healthz's over the route's): the share of the HTTP stack's
      // ceiling the route would reach if the API process alone were the limit.
      of_healthz_by_api_cpu: ratio(
        healthz.get(row.connections)?.api_cpu_us_per_request,
        row.api_cpu_us_per_request,
      ),
    }));
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
        'API µs/req': row.api_cpu_us_per_request,
        '÷ healthz (API CPU)': row.of_healthz_by_api_cpu,
      })),
    );
    // A partial run (some routes only, e.g. under a profiler) must not overwrite the full figures.
    await writeResult(
      values.routes === ALL_ROUTES
        ? `api-${OPTIONS.backend}.json`
        : `api-${OPTIONS.backend}-${ROUTES.join('-')}.json`,
      {
        benchmark: 'api',
        ...machine(),
        ...engineDescription(OPTIONS),
        duration_seconds_per_read_run: DURATION,
        worker_processes_rss_mb: mb(stack.workers.rss()),
        api_process_rss_mb: api.child.pid ? mb(rssOfPid(api.child.pid) ?? 0) : null,
        note: 'create, pause and resume run a fixed number of requests each (requests), each on a subscription of its own',
        runs: table,
        command_update_timelines: timelines,
      },
    );
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
