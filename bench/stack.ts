import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { PerennialWorker as Worker } from '../src/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensurePostgres } from '../scripts/provision/postgres';
import { ensureTemporalCli } from '../scripts/provision/temporal-cli';
import { ensureTestServer } from '../scripts/provision/test-server';
import { Customer, PaymentMethod, Plan, PlanPrice, Product, SellerSettings } from '../src/db/entities';
import { initOrm, type Orm } from '../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../src/dev/smtp-catcher';
import { DEFAULT_DUNNING_POLICY } from '../src/domain/dunning';
import { SandboxGateway } from '../src/gateways';
import { createMailer, type Mailer } from '../src/mail/mailer';
import { startSubscription } from '../src/subscriptions/start';
import { registerSearchAttributes } from '../src/temporal/search-attributes';
import { createWorker } from '../src/worker';
import { searchAttributeKeys } from '../src/workflows/search-attributes';

/** Shared by the benchmarks that need the whole engine: dev server, PostgreSQL, SMTP catcher, one worker. */
export interface BenchStack {
  env: TestWorkflowEnvironment;
  orm: Orm;
  postgresUrl: string;
  catcher: SmtpCatcher;
  mailer: Mailer;
  gateway: SandboxGateway;
  worker: Worker;
  taskQueue: string;
  close(): Promise<void>;
}

export const BENCH_WEBHOOK_SECRET = 'bench-sandbox-webhook-secret';

/** The dev server (a real Temporal server on SQLite), or the time-skipping test server for simulated years. */
async function startTemporal(server: 'dev' | 'time-skipping'): Promise<TestWorkflowEnvironment> {
  if (server === 'dev') {
    const cli = await ensureTemporalCli((line) => console.log(line));
    return TestWorkflowEnvironment.createLocal({
      server: {
        executable: cli.executable,
        searchAttributes: searchAttributeKeys,
        log: { format: 'pretty', level: 'error' },
      },
    });
  }
  const testServer = await ensureTestServer((line) => console.log(line));
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
  return env;
}

export async function startBenchStack(
  name: string,
  server: 'dev' | 'time-skipping' = 'dev',
): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(path.join(os.tmpdir(), `perennial-bench-${name}-`));
  const postgres = await ensurePostgres({ dataDir: path.join(dir, 'pg'), database: 'bench' });
  const env = await startTemporal(server);
  const catcher = await startSmtpCatcher();
  const orm = await initOrm(postgres.url, { poolMax: 20 });
  await orm.getMigrator().up();
  const mailer = createMailer(catcher.smtpUrl, 'bench@example.test');
  const gateway = new SandboxGateway({ orm, webhookSecret: BENCH_WEBHOOK_SECRET });
  const taskQueue = `bench-${name}`;
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    orm,
    mailer,
    gateway,
    publicUrl: 'http://bench.test',
  });
  const running = worker.run();
  return {
    env,
    orm,
    postgresUrl: postgres.url,
    catcher,
    mailer,
    gateway,
    worker,
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
      mailer.close();
      await orm.close(true);
      await Promise.all([env.teardown(), catcher.close()]);
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
  stack: BenchStack,
  plan: Plan,
  customers: { id: string; pm: string }[],
  options: { concurrency: number; testClockTime?: string },
): Promise<string[]> {
  const ids: string[] = [];
  await inBatches(customers, options.concurrency, async (customer) => {
    const started = await startSubscription(
      { em: stack.orm.em.fork(), client: stack.env.client, taskQueue: stack.taskQueue },
      {
        customerId: customer.id,
        planId: plan.id,
        currency: 'EUR',
        paymentMethodId: customer.pm,
        testClockTime: options.testClockTime,
      },
    );
    ids.push(started.subscriptionId);
  });
  return ids;
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

/**
 * Waits until the worker has had no activity or workflow task in flight for `quietMs`: a paid invoice still has its
 * receipt, projection and events to come, and a baseline or a load run measured beside that tail measures it too.
 */
export async function waitForIdleWorker(
  worker: Worker,
  quietMs = 3000,
  timeoutMs = 10 * 60 * 1000,
): Promise<void> {
  let quietSince = Date.now();
  await waitUntil(
    async () => {
      const status = worker.temporal.getStatus();
      if (status.numInFlightActivities > 0 || status.numInFlightWorkflowActivations > 0)
        quietSince = Date.now();
      return Date.now() - quietSince >= quietMs;
    },
    'the worker to go idle',
    timeoutMs,
  );
}

export const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

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
