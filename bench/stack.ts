import { Client, Connection, NamespaceNotFoundError, ServiceError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { PerennialWorker as Worker } from '../src/worker';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensurePostgres } from '../scripts/provision/postgres';
import { devServerSqliteArgs, ensureTemporalCli } from '../scripts/provision/temporal-cli';
import { ensureTemporalServer, startTemporalServer } from '../scripts/provision/temporal-server';
import { ensureTestServer } from '../scripts/provision/test-server';
import { Customer, PaymentMethod, Plan, PlanPrice, Product, SellerSettings } from '../src/db/entities';
import { newId } from '../src/db/ids';
import { initOrm, type Orm } from '../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../src/dev/smtp-catcher';
import { DEFAULT_DUNNING_POLICY } from '../src/domain/dunning';
import { SandboxGateway } from '../src/gateways';
import { createMailer, type Mailer } from '../src/mail/mailer';
import { startSubscription } from '../src/subscriptions/start';
import { registerSearchAttributes } from '../src/temporal/search-attributes';
import {
  DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
  DEFAULT_WORKFLOW_WATCHDOG_MS,
  workflowCacheFor,
} from '../src/temporal/worker-tuning';
import { createWorker } from '../src/worker';
import { forkWorkerProcesses, type WorkerProcesses } from '../src/worker-processes';
import { searchAttributeKeys } from '../src/workflows/search-attributes';

/** What runs the workflows: the dev server as `npm start` runs it, or the Temporal server on PostgreSQL. */
export type Backend = 'dev' | 'server';

export const BENCH_WEBHOOK_SECRET = 'bench-sandbox-webhook-secret';
export const PUBLIC_URL = 'http://bench.test';

/** The flags every engine benchmark takes, with TEMPORAL_BACKEND and WORKER_PROCESSES as their defaults. */
export const engineFlags = {
  backend: { type: 'string', default: process.env.TEMPORAL_BACKEND ?? 'dev' },
  'worker-processes': { type: 'string', default: process.env.WORKER_PROCESSES ?? '' },
  'cache-mb': { type: 'string', default: process.env.WORKER_CACHE_MB ?? '' },
  'heap-mb': { type: 'string', default: process.env.WORKER_HEAP_MB ?? '' },
  'sticky-timeout-ms': {
    type: 'string',
    default: process.env.WORKER_STICKY_TIMEOUT_MS ?? String(DEFAULT_STICKY_QUEUE_TIMEOUT_MS),
  },
  'workflow-watchdog-ms': {
    type: 'string',
    default: process.env.WORKER_WORKFLOW_WATCHDOG_MS ?? String(DEFAULT_WORKFLOW_WATCHDOG_MS),
  },
} as const;

export interface EngineOptions {
  backend: Backend;
  /** Worker processes on the task queue (default: one per core, as `npm start`). */
  workerProcesses: number;
  /** WORKER_CACHE_MB of each worker process; null leaves the SDK's default. */
  cacheMb: number | null;
  /** WORKER_HEAP_MB of each worker process; null leaves V8's default. */
  heapMb: number | null;
  /** WORKER_STICKY_TIMEOUT_MS of each worker process. */
  stickyTimeoutMs: number;
  /** WORKER_WORKFLOW_WATCHDOG_MS of each worker process (0: none). */
  workflowWatchdogMs: number;
}

export function engineOptions(values: {
  backend: string;
  'worker-processes': string;
  'cache-mb': string;
  'heap-mb': string;
  'sticky-timeout-ms': string;
  'workflow-watchdog-ms': string;
}): EngineOptions {
  if (values.backend !== 'dev' && values.backend !== 'server')
    throw new Error(`--backend must be dev or server, not ${values.backend}`);
  const processes = values['worker-processes']
    ? Number(values['worker-processes'])
    : os.availableParallelism();
  if (!Number.isInteger(processes) || processes < 1) throw new Error('--worker-processes must be at least 1');
  const cacheMb = values['cache-mb'] === '' ? null : Number(values['cache-mb']);
  if (cacheMb !== null && !(cacheMb >= 0)) throw new Error('--cache-mb must be 0 or more');
  const heapMb = values['heap-mb'] === '' ? null : Number(values['heap-mb']);
  if (heapMb !== null && !(Number.isInteger(heapMb) && heapMb >= 128))
    throw new Error('--heap-mb must be 128 or more');
  const stickyTimeoutMs = Number(values['sticky-timeout-ms']);
  if (!(Number.isInteger(stickyTimeoutMs) && stickyTimeoutMs >= 1000))
    throw new Error('--sticky-timeout-ms must be 1000 or more');
  const workflowWatchdogMs = Number(values['workflow-watchdog-ms']);
  if (!(Number.isInteger(workflowWatchdogMs) && workflowWatchdogMs >= 0))
    throw new Error('--workflow-watchdog-ms must be 0 (none) or more');
  return {
    backend: values.backend,
    workerProcesses: processes,
    cacheMb,
    heapMb,
    stickyTimeoutMs,
    workflowWatchdogMs,
  };
}

/** The settings a result must carry to be read: which engine, how many workers, which cache. */
export function engineDescription(options: EngineOptions) {
  return {
    backend: options.backend,
    worker_processes: options.workerProcesses,
    worker_cache_mb: options.cacheMb,
    worker_heap_mb: options.heapMb,
    worker_sticky_timeout_ms: options.stickyTimeoutMs,
    worker_workflow_watchdog_ms: options.workflowWatchdogMs,
    max_cached_workflows_per_process:
      options.cacheMb === null ? "the SDK's default" : workflowCacheFor(options.cacheMb).maxCachedWorkflows,
  };
}

export interface EngineTemporal {
  address: string;
  client: Client;
  /** The server's operating-system processes, for memory readings. */
  pids(): number[];
  close(): Promise<void>;
}

const log = (line: string) => console.log(line);

/** The chosen backend, its state under `dir`; the server backend keeps its databases on `postgresUrl`'s server. */
export async function startEngineTemporal(
  backend: Backend,
  dir: string,
  postgresUrl: string,
): Promise<EngineTemporal> {
  if (backend === 'dev') {
    const cli = await ensureTemporalCli(log);
    // As `npm start` runs it: a database file with the WAL pragmas.
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli.executable,
        dbFilename: path.join(dir, 'temporal.sqlite'),
        searchAttributes: searchAttributeKeys,
        log: { format: 'pretty', level: 'error' },
        extraArgs: devServerSqliteArgs(),
      },
    });
    return {
      address: env.address,
      client: env.client,
      pids: () => childPids(/start-dev/),
      close: () => env.teardown(),
    };
  }
  const server = await startTemporalServer({
    binaries: await ensureTemporalServer(log),
    postgresUrl,
    dir: path.join(dir, 'temporal-server'),
    logLevel: 'error',
    log,
  });
  const connection = await Connection.connect({ address: server.address });
  return {
    address: server.address,
    client: new Client({ connection, namespace: server.namespace }),
    pids: server.pids,
    async close() {
      await connection.close();
      await server.stop();
    },
  };
}

/** Worker processes of the benchmark: `src/worker.ts`, the production entry point, configured by environment. */
export interface BenchWorkers {
  readonly count: number;
  pids(): number[];
  /** Resident set size of all of them together, in bytes. */
  rss(): number;
  /**
   * Resolves once the workers have been idle for `quietMs` (next to no CPU) and the outbox is empty: a paid invoice
   * still has its receipt and commit to come, and a baseline or a load run measured beside that tail measures it too.
   */
  waitForIdle(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * CPU time of a process so far in clock ticks of 10 ms (USER_HZ is 100 on Linux), 0 once it is gone; with
 * `reapedChildren`, also that of its children that have exited (`cutime`, `cstime`).
 */
export function cpuTicks(pid: number, reapedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return reapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return 0;
  }
}

/** Node flags of the benchmark's worker processes: CPU profiles and the memory probe when asked for. */
function workerNodeFlags(): string[] {
  const flags: string[] = [];
  const profDir = process.env.BENCH_WORKER_CPU_PROF_DIR;
  // A sample every 5 ms: the default 1 ms keeps an idle worker's profiler thread busy enough to look like work.
  if (profDir) flags.push('--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=5000');
  if (process.env.BENCH_WORKER_MEMORY_DIR) flags.push('--require', path.join(__dirname, 'memory-probe.cjs'));
  return flags;
}

export async function startWorkerProcesses(options: {
  count: number;
  cacheMb: number | null;
  heapMb: number | null;
  stickyTimeoutMs: number;
  workflowWatchdogMs: number;
  env: NodeJS.ProcessEnv;
  orm: Orm;
}): Promise<BenchWorkers> {
  const tails = new Map<number, string>();
  // Everything the workers print (an activity's failed attempts are logged as warnings), for reading after a run.
  const logFile = path.join(os.tmpdir(), `perennial-bench-workers-${process.pid}.log`);
  const workerLog = createWriteStream(logFile, { flags: 'a' });
  console.log(`[bench] worker log: ${logFile}`);
  const group: WorkerProcesses = forkWorkerProcesses(options.count, {
    stdio: 'pipe',
    // BENCH_WORKER_CPU_PROF_DIR=<dir>: each worker process writes its CPU profile there when it stops (Node refuses
    // --cpu-prof in NODE_OPTIONS). BENCH_WORKER_MEMORY_DIR=<dir>: each of its threads appends its memory split.
    nodeFlags: workerNodeFlags(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Info level for the one "worker started" line; the workers log little else at info.
      LOG_LEVEL: 'info',
      PUBLIC_URL,
      SHUTDOWN_GRACE_MS: '2000',
      ...(options.cacheMb === null ? {} : { WORKER_CACHE_MB: String(options.cacheMb) }),
      ...(options.heapMb === null ? {} : { WORKER_HEAP_MB: String(options.heapMb) }),
      WORKER_STICKY_TIMEOUT_MS: String(options.stickyTimeoutMs),
      WORKER_WORKFLOW_WATCHDOG_MS: String(options.workflowWatchdogMs),
      ...(process.env.BENCH_WORKER_MEMORY_DIR
        ? { BENCH_WORKER_MEMORY_DIR: process.env.BENCH_WORKER_MEMORY_DIR }
        : {}),
      ...options.env,
    },
  });
  await Promise.all(
    group.children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          const keep = (chunk: Buffer) => {
            workerLog.write(chunk);
            const tail = `${tails.get(child.pid ?? 0) ?? ''}${chunk.toString()}`.slice(-4000);
            tails.set(child.pid ?? 0, tail);
            if (tail.includes('worker started')) resolve();
          };
          child.stdout?.on('data', keep);
          child.stderr?.on('data', keep);
          child.once('exit', (code) =>
            reject(new Error(`a worker process exited (${code}): ${tails.get(child.pid ?? 0) ?? ''}`)),
          );
        }),
    ),
  );
  return {
    count: options.count,
    pids: group.pids,
    rss: () => group.pids().reduce((sum, pid) => sum + (rssOfPid(pid) ?? 0), 0),
    async waitForIdle(quietMs = 3000, timeoutMs = 10 * 60 * 1000) {
      const idleTicks = process.env.BENCH_WORKER_CPU_PROF_DIR ? 4 * group.pids().length : 2;
      let quietSince = Date.now();
      let last = group.pids().reduce((sum, pid) => sum + cpuTicks(pid), 0);
      await waitUntil(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          const ticks = group.pids().reduce((sum, pid) => sum + cpuTicks(pid), 0);
          const [pending] = await options.orm.em
            .getConnection()
            .execute<{ count: string }[]>(`select count(*) from email_messages where status = 'pending'`);
          // Idle workers still poll: a tick (10 ms of CPU) or two in half a second is their floor; a profiled
          // worker's sampler adds a few more.
          if (ticks - last > idleTicks || Number(pending?.count ?? 0) > 0) quietSince = Date.now();
          last = ticks;
          return Date.now() - quietSince >= quietMs;
        },
        'the worker processes to go idle',
        timeoutMs,
      );
    },
    stop: async () => {
      await group.stop();
      workerLog.end();
    },
  };
}

/** Shared by the engine benchmarks: a Temporal backend, PostgreSQL, SMTP catcher, worker processes. */
export interface BenchStack {
  options: EngineOptions;
  client: Client;
  temporalAddress: string;
  temporalPids(): number[];
  orm: Orm;
  postgresUrl: string;
  catcher: SmtpCatcher;
  mailer: Mailer;
  gateway: SandboxGateway;
  workers: BenchWorkers;
  taskQueue: string;
  /** The environment a worker or API process of this stack needs. */
  processEnv(): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The benchmark's own PostgreSQL, its server log kept in the temporary directory (it outlives the run's data
 * directory, so a connection the server ended can be read about afterwards).
 */
async function benchPostgres(name: string, dir: string) {
  const logFile = path.join(os.tmpdir(), `perennial-bench-${name}-postgres.log`);
  const serverLog = createWriteStream(logFile, { flags: 'w' });
  console.log(`[bench] PostgreSQL log: ${logFile}`);
  return ensurePostgres({
    dataDir: path.join(dir, 'pg'),
    database: 'bench',
    log: (line) => serverLog.write(`${new Date().toISOString()} ${line}\n`),
    settings: [
      ...(STATEMENTS_DIR ? ['shared_preload_libraries=pg_stat_statements'] : []),
      // BENCH_PG_LOG_STATEMENTS=1: every statement with its duration and backend, for one command's timeline.
      ...(process.env.BENCH_PG_LOG_STATEMENTS === '1'
        ? ['log_min_duration_statement=0', 'log_line_prefix=%m [%p] ']
        : []),
    ],
  });
}

/**
 * `BENCH_PG_STATEMENTS_DIR=<dir>`: PostgreSQL counts the statements it runs (`pg_stat_statements`), and a benchmark
 * writes what one phase ran there, per unit of its work (bench/README.md: statements per renewal).
 */
const STATEMENTS_DIR = process.env.BENCH_PG_STATEMENTS_DIR;

export async function resetStatementCounts(stack: BenchStack): Promise<void> {
  if (!STATEMENTS_DIR) return;
  await stack.orm.em.getConnection().execute('create extension if not exists pg_stat_statements');
  await stack.orm.em.getConnection().execute('select pg_stat_statements_reset()');
}

/** The statements run on the bench database since the last reset, most frequent first, with calls per unit. */
export async function writeStatementCounts(stack: BenchStack, phase: string, units: number): Promise<void> {
  if (!STATEMENTS_DIR) return;
  const rows = await stack.orm.em
    .getConnection()
    .execute<{ calls: string; rows: string; exec_ms: number; query: string }[]>(
      `select s.calls::text as calls, s.rows::text as rows, s.total_exec_time as exec_ms, s.query
       from pg_stat_statements s join pg_database d on d.oid = s.dbid
      where d.datname = current_database()
      order by s.calls desc`,
    );
  const statements = rows.map((row) => ({
    per_unit: Math.round((Number(row.calls) / units) * 100) / 100,
    calls: Number(row.calls),
    rows: Number(row.rows),
    exec_ms: Math.round(row.exec_ms),
    query: row.query.replace(/\s+/g, ' ').slice(0, 300),
  }));
  const calls = statements.reduce((sum, row) => sum + row.calls, 0);
  // Every database's share of the same instance: on the server backend, the Temporal server's persistence is one.
  const databases = (
    await stack.orm.em.getConnection().execute<{ database: string; calls: string; exec_ms: number }[]>(
      `select d.datname as database, sum(s.calls)::text as calls, sum(s.total_exec_time) as exec_ms
           from pg_stat_statements s join pg_database d on d.oid = s.dbid
          group by d.datname order by sum(s.calls) desc`,
    )
  ).map((row) => ({
    database: row.database,
    calls_per_unit: Math.round((Number(row.calls) / units) * 10) / 10,
    exec_ms_per_unit: Math.round((row.exec_ms / units) * 100) / 100,
  }));
  const file = path.join(STATEMENTS_DIR, `${phase}.json`);
  await mkdir(STATEMENTS_DIR, { recursive: true });
  const perUnit = Math.round((calls / units) * 10) / 10;
  await writeFile(
    file,
    `${JSON.stringify({ phase, units, calls, calls_per_unit: perUnit, databases, statements }, null, 2)}\n`,
  );
  console.log(`[bench] ${phase}: ${calls} statements, ${(calls / units).toFixed(1)} per unit (${file})`);
}

export async function startBenchStack(name: string, options: EngineOptions): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(path.join(os.tmpdir(), `perennial-bench-${name}-`));
  const postgres = await benchPostgres(name, dir);
  const temporal = await startEngineTemporal(options.backend, dir, postgres.url);
  const catcher = await startSmtpCatcher();
  const orm = await initOrm(postgres.url, { poolMax: 20 });
  await orm.getMigrator().up();
  const mailer = createMailer(catcher.smtpUrl, 'bench@example.test');
  const gateway = new SandboxGateway({ orm, webhookSecret: BENCH_WEBHOOK_SECRET });
  const taskQueue = `bench-${name}`;
  const processEnv = (): NodeJS.ProcessEnv => ({
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // BENCH_SMTP_POOL=off: a new SMTP connection per email, as before the pooled mailer (for comparison).
    SMTP_URL: process.env.BENCH_SMTP_POOL === 'off' ? `${catcher.smtpUrl}?pool=false` : catcher.smtpUrl,
    SANDBOX_WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
  });
  const workers = await startWorkerProcesses({
    count: options.workerProcesses,
    cacheMb: options.cacheMb,
    heapMb: options.heapMb,
    stickyTimeoutMs: options.stickyTimeoutMs,
    workflowWatchdogMs: options.workflowWatchdogMs,
    env: processEnv(),
    orm,
  });
  console.log(
    `[bench] ${name}: ${options.backend === 'dev' ? 'dev server (SQLite file, WAL)' : 'Temporal server on PostgreSQL'}, ` +
      `${options.workerProcesses} worker process${options.workerProcesses === 1 ? '' : 'es'}`,
  );
  return {
    options,
    client: temporal.client,
    temporalAddress: temporal.address,
    temporalPids: temporal.pids,
    orm,
    postgresUrl: postgres.url,
    catcher,
    mailer,
    gateway,
    workers,
    taskQueue,
    processEnv,
    async close() {
      await workers.stop();
      mailer.close();
      await orm.close(true);
      await Promise.all([temporal.close(), catcher.close()]);
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The time-skipping test server with an in-process worker: for simulated years (bench/longevity.ts). */
export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  client: Client;
  orm: Orm;
  gateway: SandboxGateway;
  worker: Worker;
  mailer: Mailer;
  taskQueue: string;
  /** Stops the worker and its outbox relay, leaving the database, gateway and mailer to the caller. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startTimeSkippingStack(name: string): Promise<TimeSkippingStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(path.join(os.tmpdir(), `perennial-bench-${name}-`));
  const postgres = await benchPostgres(name, dir);
  const testServer = await ensureTestServer(log);
  // The SDK gives a Java server 5 s to listen; on a loaded machine the JVM can miss that, and a retry is cheap.
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: testServer.executable },
      });
    } catch (error) {
      if (attempt >= 5) throw error;
      console.log(`time-skipping server did not start (attempt ${attempt}), retrying`);
    }
  }
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  const started = env;
  const catcher = await startSmtpCatcher();
  const orm = await initOrm(postgres.url, { poolMax: 20 });
  await orm.getMigrator().up();
  const mailer = createMailer(catcher.smtpUrl, 'bench@example.test');
  const gateway = new SandboxGateway({ orm, webhookSecret: BENCH_WEBHOOK_SECRET });
  const taskQueue = `bench-${name}`;
  const worker = await createWorker({
    connection: started.nativeConnection,
    namespace: 'default',
    taskQueue,
    orm,
    mailer,
    gateway,
    publicUrl: PUBLIC_URL,
  });
  const running = worker.run();
  let stopped: Promise<void> | null = null;
  const stopWorker = () => {
    if (!stopped) {
      worker.shutdown();
      stopped = running;
    }
    return stopped;
  };
  return {
    env: started,
    client: started.client,
    orm,
    gateway,
    worker,
    mailer,
    taskQueue,
    stopWorker,
    async close() {
      await stopWorker();
      mailer.close();
      await orm.close(true);
      await Promise.all([started.teardown(), catcher.close()]);
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Seller settings and a 19.00 EUR monthly plan, written directly: the benchmarks measure renewals, not setup. */
export async function seedSellerAndPlan(orm: Orm): Promise<Plan> {
  const em = orm.em.fork();
  em.create(SellerSettings, {
    name: 'Bench GmbH',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    defaultCurrency: 'EUR',
    dunningPolicy: DEFAULT_DUNNING_POLICY,
  });
  const plan = em.create(Plan, {
    product: em.create(Product, { name: 'Beans' }),
    name: 'Monthly beans',
    intervalUnit: 'month',
    intervalCount: 1,
    pricingModel: 'per_unit',
  });
  em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 1900 } });
  await em.flush();
  return plan;
}

/** N customers, each with a sandbox card attached through the gateway as the API would. */
export async function seedCustomers(
  orm: Orm,
  gateway: SandboxGateway,
  n: number,
  token = 'tok_visa',
): Promise<{ id: string; pm: string }[]> {
  const em = orm.em.fork();
  const customers: { id: string; pm: string }[] = [];
  for (let i = 0; i < n; i++) {
    const customer = em.create(Customer, { email: `c${i}@bench.test`, name: `Customer ${i}`, country: 'DE' });
    const { customerRef } = await gateway.createCustomer({ idempotencyKey: `customer:${customer.id}` });
    const card = await gateway.attachPaymentMethod({ customerRef, token, idempotencyKey: customer.id });
    const method = em.create(PaymentMethod, {
      customer,
      gateway: 'sandbox',
      token: card.paymentMethodRef,
      brand: card.brand,
      last4: card.last4,
    });
    customers.push({ id: customer.id, pm: method.id });
    // Flushing in slices keeps the identity map small for the 10,000 runs.
    if (i % 500 === 499) {
      await em.flush();
      em.clear();
    }
  }
  await em.flush();
  return customers;
}

/**
 * One subscription per seeded customer on the plan, `concurrency` start calls at a time, on a test clock at
 * `testClockTime` or on real time without one. Returns the subscription ids.
 */
export async function startSubscriptions(
  stack: { orm: Orm; client: Client; taskQueue: string },
  plan: Plan,
  customers: { id: string; pm: string }[],
  options: { concurrency: number; testClockTime?: string },
): Promise<string[]> {
  const ids: string[] = [];
  let retries = 0;
  await inBatches(customers, options.concurrency, async (customer) => {
    // The id is chosen here so that a start the server failed can be sent again: a start is idempotent by its id.
    const subscriptionId = newId('sub');
    for (let attempt = 1; ; attempt++) {
      try {
        await startSubscription(
          { em: stack.orm.em.fork(), client: stack.client, taskQueue: stack.taskQueue },
          {
            subscriptionId,
            customerId: customer.id,
            planId: plan.id,
            currency: 'EUR',
            paymentMethodId: customer.pm,
            testClockTime: options.testClockTime,
          },
        );
        break;
      } catch (error) {
        if (attempt >= START_ATTEMPTS || !serverFailedTheStart(error)) throw error;
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
    ids.push(subscriptionId);
  });
  if (retries > 0) console.log(`[bench] ${retries} starts sent again after the server failed them`);
  return ids;
}

const START_ATTEMPTS = 5;

/**
 * The dev server on its SQLite file can stall for tens of seconds under a storm's starts (seen once at 10,000: its
 * persistence timed out for 30 s); its namespace cache then fails to refresh and it answers "namespace not found" for
 * the namespace it serves. Those answers, and its other server errors, are the server's failure, not the start's.
 */
function serverFailedTheStart(error: unknown): boolean {
  return error instanceof NamespaceNotFoundError || error instanceof ServiceError;
}

export async function inBatches<T>(
  items: T[],
  size: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

/**
 * How long a phase over N subscriptions may take: half a second each, at least half an hour. A bound for a stuck
 * run, not a target for a slow one (10,000 first invoices at 5 a second take 33 minutes).
 */
export const phaseTimeoutMs = (n: number): number => Math.max(30 * 60 * 1000, n * 500);

export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30 * 60 * 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000 * 10) / 10;

export const ratio = (a: number, b: number): number | null =>
  b > 0 ? Math.round((a / b) * 100) / 100 : null;

/** Resident set size of another process, from /proc (Linux only; null elsewhere or when it is gone). */
export function rssOfPid(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** The processes named `postgres` (the server and its backends): the bench's PostgreSQL on a machine running no other. */
function postgresPids(): number[] {
  return readdirSafe('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU time used so far by the worker processes, the Temporal server and PostgreSQL, in milliseconds. */
export function cpuMsByPart(stack: { workers: { pids(): number[] }; temporalPids(): number[] }): {
  workers: number;
  temporal: number;
  postgres: number;
} {
  // /proc counts in clock ticks of 10 ms (USER_HZ is 100 on Linux).
  const ms = (pids: number[], reapedChildren = false) =>
    pids.reduce((sum, pid) => sum + cpuTicks(pid, reapedChildren), 0) * 10;
  return {
    workers: ms(stack.workers.pids()),
    temporal: ms(stack.temporalPids()),
    // Backends come and go with the pools' connections; the server process keeps the time of those that ended.
    postgres: ms(postgresPids(), true),
  };
}

/** CPU milliseconds per unit of work between two readings of `cpuMsByPart`. */
export function cpuMsPerUnit(
  before: ReturnType<typeof cpuMsByPart>,
  after: ReturnType<typeof cpuMsByPart>,
  units: number,
): ReturnType<typeof cpuMsByPart> {
  const per = (key: keyof typeof before) => Math.round(((after[key] - before[key]) / units) * 10) / 10;
  return { workers: per('workers'), temporal: per('temporal'), postgres: per('postgres') };
}

/**
 * The most units a second this machine's cores could finish if each cost only the CPU measured for it (all parts
 * summed): the bound a rate meets when the work, not waiting, is what limits it. An upper bound: the benchmark's own
 * processes (load generator, SMTP catcher, the gateway sandbox) share the cores too and are not counted.
 */
export function cpuBoundPerSecond(perUnit: Record<string, number>): number {
  const total = Object.values(perUnit).reduce((sum, ms) => sum + ms, 0);
  return total > 0 ? Math.round(((os.availableParallelism() * 1000) / total) * 10) / 10 : 0;
}

/** Child processes of this one whose command line matches, e.g. the Temporal CLI dev server. */
export function childPids(match: RegExp): number[] {
  // The SDK's core spawns the dev server from one of its own threads, and /proc lists children per thread.
  const children = readdirSafe(`/proc/${process.pid}/task`).flatMap((tid) => {
    try {
      return readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/);
    } catch {
      return [];
    }
  });
  return children
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return match.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        return false;
      }
    });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The context every result carries: the figures are only comparable with the machine and its load beside them. */
export function machine(): { date: string; machine: string; load_average: string } {
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${mb(os.totalmem())} MiB, Node ${process.version}`,
    load_average: os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' '),
  };
}

export async function writeResult(file: string, result: unknown): Promise<void> {
  const dir = path.join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, file), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote bench/results/${file}`);
}
