import { Client, Connection } from '@temporalio/client';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/provision/ports';
import { EmailMessage, Invoice, PaymentAttempt } from '../../src/db/entities';
import type { Orm } from '../../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { SandboxGateway } from '../../src/gateways';
import { startSubscription } from '../../src/subscriptions/start';
import {
  getSubscriptionQuery,
  lifecycleWorkflowIdFor,
  type SubscriptionSnapshot,
  testClockAdvancedSignal,
} from '../../src/workflows/lifecycle/messages';
import { searchAttributeKeys, searchAttributeTypeName } from '../../src/workflows/search-attributes';
import { createTestDatabase, type TestDatabase } from './database';
import { seedCustomer, seedPlan, seedSeller } from './lifecycle';
import { startTestTemporalServer } from './temporal-server';
import { TEST_SANDBOX_WEBHOOK_SECRET } from './workers';
import { KILLED_WORKER_ENV } from './killed-workers';

const root = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fault moments come from this generator so that a failing run can be replayed: the seed is printed, and
 * PERENNIAL_FAULT_SEED=<seed> repeats the same moments.
 */
export function faultRandom(label: string): {
  seed: number;
  next(): number;
  between(min: number, max: number): number;
} {
  const fromEnv = process.env.PERENNIAL_FAULT_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : randomBytes(4).readUInt32BE(0);
  console.log(`[faults] ${label}: seed ${seed} (replay with PERENNIAL_FAULT_SEED=${seed})`);
  // mulberry32: tiny, fast and good enough to spread a handful of kill moments.
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (min, max) => Math.round(min + next() * (max - min)) };
}

/**
 * Polls until `check` holds. A check that throws counts as not yet: it may itself hit the outage being tested. The
 * timeout bounds a test that would otherwise wait forever on a stuck workflow.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Keeps the start and the end of a child's output for the failure message (a Go panic names its cause first and
 * then prints pages of stack), without holding a whole run's logs.
 */
function tailOf(child: ChildProcess): () => string {
  let head = '';
  let tail = '';
  const keep = (chunk: Buffer) => {
    if (head.length < 2000) head += chunk.toString();
    else tail = (tail + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => (tail ? `${head}\n…\n${tail}` : head);
}

/** A Temporal dev server as an OS process of its own, on a database file that outlives the process. */
export interface DevServer {
  address: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts again on the same file and port, and resolves once the frontend answers. */
  start(): Promise<void>;
  close(): Promise<void>;
}

class DevServerExited extends Error {
  constructor(output: string) {
    super(`dev server exited:\n${output}`);
  }
}

export async function startDevServer(): Promise<DevServer> {
  const raw = process.env.PERENNIAL_TEST_TEMPORAL_CLI;
  if (!raw)
    throw new Error('PERENNIAL_TEST_TEMPORAL_CLI is not set: integration tests run through global setup');
  const executable = JSON.parse(raw) as EphemeralServerExecutable;
  if (executable.type !== 'existing-path') {
    throw new Error(
      `the fault tests run the Temporal CLI binary themselves; got a ${executable.type} executable`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perennial-faults-temporal-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(dir, 'temporal.db'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--log-level',
    'error',
    ...searchAttributeKeys.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${searchAttributeTypeName(key.type)}`,
    ]),
  ];
  let child: ChildProcess | null = null;
  let output = () => '';

  const startOnce = async (): Promise<void> => {
    const started = spawn(executable.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    output = tailOf(started);
    let gone = false;
    await waitUntil(
      async () => {
        // waitUntil reads a throwing check as "not yet", so an exit is noted and ends the wait by answering true.
        if (started.exitCode !== null) return (gone = true);
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      `the Temporal dev server on ${address}`,
      60000,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output()}`);
    });
    if (gone) throw new DevServerExited(output());
  };

  const server: DevServer = {
    address,
    async start() {
      // The CLI picks its HTTP API port itself, free when chosen but possibly taken by another process before it
      // binds (many servers start at once on a test machine); that start exits at once, so it is tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          await startOnce();
          return;
        } catch (error) {
          if (attempt >= 3 || !(error instanceof DevServerExited)) throw error;
        }
      }
    },
    async stop() {
      const running = child;
      child = null;
      if (!running) return;
      running.kill('SIGTERM');
      await exited(running);
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** `src/worker.ts` as a separate OS process, so that SIGKILL is a real crash. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker has bundled its workflows and started polling. */
  ready: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  output(): string;
}

/**
 * What the storm helpers below need of an engine under test, whether its workers run as child processes (here) or
 * in the test's own process (test/support/outage.ts).
 */
export interface StormTarget {
  orm: Orm;
  client: Client;
  gateway: SandboxGateway;
  taskQueue: string;
}

/**
 * Everything a fault test breaks: its own Temporal (the dev server, or the Temporal server on PostgreSQL), database,
 * SMTP catcher, and workers as child processes.
 */
export interface FaultStack extends StormTarget {
  temporal: DevServer;
  connection: Connection;
  db: TestDatabase;
  catcher: SmtpCatcher;
  spawnWorker(): WorkerProcess;
  close(): Promise<void>;
}

export async function startFaultStack(options: { temporal?: 'dev' | 'server' } = {}): Promise<FaultStack> {
  const [temporal, db, catcher] = await Promise.all([
    options.temporal === 'server' ? startTestTemporalServer() : startDevServer(),
    createTestDatabase(),
    startSmtpCatcher(),
  ]);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  await seedSeller(db.orm);
  const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
  const workers: WorkerProcess[] = [];

  const spawnWorker = (): WorkerProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        // Info level for the one "worker started" line that says the worker polls.
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        SMTP_URL: catcher.smtpUrl,
        SANDBOX_WEBHOOK_SECRET: TEST_SANDBOX_WEBHOOK_SECRET,
        ...KILLED_WORKER_ENV,
      },
    });
    const output = tailOf(child);
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes('worker started')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(new Error(`worker exited (${code ?? signal}):\n${output()}`)),
      );
    });
    // A worker killed on purpose before it was ready rejects `ready`; nobody may be waiting on it then.
    ready.catch(() => {});
    const worker: WorkerProcess = {
      child,
      ready,
      output,
      async kill(signal) {
        child.kill(signal);
        await exited(child);
      },
    };
    workers.push(worker);
    return worker;
  };

  return {
    temporal,
    client,
    connection,
    db,
    orm: db.orm,
    catcher,
    gateway: new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
    taskQueue,
    spawnWorker,
    async close() {
      await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
      await connection.close();
      await Promise.all([temporal.close(), db.drop(), catcher.close()]);
    },
  };
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/**
 * The storm size: the issue's figure by default; PERENNIAL_FAULT_SUBSCRIPTIONS shrinks it on a machine too loaded
 * to renew hundreds of subscriptions within the tests' bounds (the invariants do not depend on the size).
 */
export function stormSize(issueDefault: number): number {
  const override = Number(process.env.PERENNIAL_FAULT_SUBSCRIPTIONS);
  return Number.isInteger(override) && override > 0 ? override : issueDefault;
}

export const STORM_START = '2027-01-01T00:00:00.000Z';
export const STORM_RENEWAL = '2027-02-01T00:00:00.000Z';

/** N monthly subscriptions on test clocks at STORM_START, each with its own customer and sandbox card. */
export async function startStorm(target: StormTarget, n: number, token: string): Promise<string[]> {
  const plan = await seedPlan(target.orm);
  const harness = { db: { orm: target.orm }, gateway: target.gateway };
  const customers = await inBatches(
    Array.from({ length: n }, (_, i) => i),
    20,
    () => seedCustomer(harness, token),
  );
  return inBatches(customers, 5, async ({ customer, paymentMethodId }) => {
    const started = await startSubscription(
      { em: target.orm.em.fork(), client: target.client, taskQueue: target.taskQueue },
      {
        customerId: customer.id,
        planId: plan.id,
        currency: 'EUR',
        paymentMethodId,
        testClockTime: STORM_START,
      },
    );
    return started.subscriptionId;
  });
}

/** Moves every subscription's clock to the same instant, so all of them renew at once. */
export async function advanceStorm(target: StormTarget, ids: string[], frozenTime: string): Promise<void> {
  await inBatches(ids, 50, (id) =>
    target.client.workflow
      .getHandle(lifecycleWorkflowIdFor(id))
      .signal(testClockAdvancedSignal, { frozenTime }),
  );
}

export function paidInvoices(orm: Orm, periodIndex: number): Promise<number> {
  return orm.em.fork().count(Invoice, { periodIndex, status: 'paid' });
}

/**
 * True once a workflow is running, has caught up with `clockTime`, is active and has no activity left to retry: a
 * workflow that is none of these is stuck, whatever its projection says. A describe per workflow: for the small
 * storms of the in-process stack; waitForSettled polls large ones with queries alone.
 */
export async function isSettled(target: StormTarget, subscriptionId: string, clockTime: string) {
  const handle = target.client.workflow.getHandle(lifecycleWorkflowIdFor(subscriptionId));
  const [snapshot, description] = await Promise.all([handle.query(getSubscriptionQuery), handle.describe()]);
  return (
    description.status.name === 'RUNNING' &&
    (description.raw.pendingActivities ?? []).length === 0 &&
    snapshot.caughtUp &&
    snapshot.clockTime === clockTime &&
    snapshot.state.status === 'active'
  );
}

export async function waitForAllSettled(
  target: StormTarget,
  ids: string[],
  clockTime: string,
  timeoutMs: number,
): Promise<void> {
  await waitUntil(
    async () => (await Promise.all(ids.map((id) => isSettled(target, id, clockTime)))).every(Boolean),
    `every subscription to settle at ${clockTime} with no activity pending`,
    timeoutMs,
  );
}

/**
 * Fault moments spread over the storm: a seeded count of the period's invoices begun for each, ascending, so that
 * faults land early and midway in the storm rather than before its first invoice on a slow machine.
 */
export function faultMoments(random: ReturnType<typeof faultRandom>, count: number, n: number): number[] {
  return Array.from({ length: count }, () => random.between(1, Math.max(1, Math.floor(n * 0.6)))).sort(
    (a, b) => a - b,
  );
}

/**
 * Waits until `begun` renewals have their invoice written (the first write of `billPeriod`, before its number and
 * its charge), so the fault hits work in flight. Paid invoices were a late clock: in one CI run their count went from
 * under 49 to all 100 between two polls, as a storm's concurrent activities, sharing the pool's connections in turn,
 * finish close together. Bounded: a storm slower than the bound gets its fault anyway. Returns the count paid at
 * that moment.
 */
export async function reachMoment(target: StormTarget, periodIndex: number, begun: number): Promise<number> {
  const deadline = Date.now() + 120000;
  const invoices = () => target.orm.em.fork().count(Invoice, { periodIndex });
  while ((await invoices()) < begun && Date.now() < deadline) await sleep(25);
  return paidInvoices(target.orm, periodIndex);
}

/**
 * Waits on the database until every subscription's invoice of the period is paid, then for every workflow to
 * settle: a query is a workflow task, and polling 200 workflows with queries while they work would slow them down.
 */
export async function waitForPeriod(
  target: StormTarget,
  ids: string[],
  periodIndex: number,
  clockTime: string,
  timeoutMs: number,
): Promise<Map<string, SubscriptionSnapshot>> {
  const began = Date.now();
  let paid = 0;
  await waitUntil(
    async () => (paid = await paidInvoices(target.orm, periodIndex)) >= ids.length,
    `${ids.length} paid invoices of period ${periodIndex} (${paid} paid)`,
    timeoutMs,
  ).catch(async (error: unknown) => {
    const paidRows = await target.orm.em
      .fork()
      .find(Invoice, { periodIndex, status: 'paid' }, { fields: ['subscription'] });
    const paidIds = new Set(paidRows.map((invoice) => invoice.subscription?.id));
    const unpaid = ids.filter((id) => !paidIds.has(id));
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; unpaid: ${unpaid.slice(0, 5).join(', ')}`,
    );
  });
  return waitForSettled(target, ids, clockTime, Math.max(30000, timeoutMs - (Date.now() - began)));
}

async function snapshotOf(target: StormTarget, id: string): Promise<SubscriptionSnapshot | null> {
  try {
    return await target.client.workflow.getHandle(lifecycleWorkflowIdFor(id)).query(getSubscriptionQuery);
  } catch {
    // Between two runs of a continue-as-new chain, or while a worker restarts, a query can miss; ask again.
    return null;
  }
}

/** Waits until every workflow has processed everything due up to `clockTime`; names the ones that did not. */
export async function waitForSettled(
  target: StormTarget,
  ids: string[],
  clockTime: string,
  timeoutMs: number,
): Promise<Map<string, SubscriptionSnapshot>> {
  const settled = new Map<string, SubscriptionSnapshot>();
  const deadline = Date.now() + timeoutMs;
  while (settled.size < ids.length) {
    const pending = ids.filter((id) => !settled.has(id));
    const snapshots = await inBatches(pending, 25, (id) => snapshotOf(target, id));
    pending.forEach((id, i) => {
      const snapshot = snapshots[i];
      if (snapshot?.caughtUp && snapshot.clockTime === clockTime) settled.set(id, snapshot);
    });
    if (settled.size === ids.length) break;
    if (Date.now() > deadline) {
      const stuck = ids.filter((id) => !settled.has(id));
      throw new Error(
        `${stuck.length} workflows did not settle at ${clockTime}: ${stuck.slice(0, 5).join(', ')}`,
      );
    }
    await sleep(500);
  }
  return settled;
}

/** What the invariants are checked on, gathered from the database, the sandbox ledger and the SMTP catcher. */
export interface StormLedger {
  /** subscription id → period index → invoice statuses (one entry per invoice row). */
  invoicesBySubscription: Map<string, Map<number, string[]>>;
  /** invoice id → statuses of its payment attempts. */
  attemptsByInvoice: Map<string, string[]>;
  /** invoice id → succeeded sandbox charges carrying that invoice id. */
  succeededChargesByInvoice: Map<string, number>;
  /** invoice id → amount due, and the sum of its succeeded sandbox charges. */
  invoiceTotals: Map<string, number>;
  chargedAmounts: Map<string, number>;
  emailRows: { causeKey: string; kind: string; recipient: string; status: string; messageId: string }[];
  /** Message-ID → how many times the SMTP catcher received it, and to whom. */
  deliveries: Map<string, { count: number; recipients: string[] }>;
  /** Messages the catcher received without a Message-ID that any outbox row carries. */
  strayDeliveries: number;
}

/**
 * The relay sends emails after the transitions that queued them have committed, so the ledger waits (bounded) until
 * no outbox row is pending; a row still pending then is reported by `stormViolations`.
 */
async function outboxSettled(target: StormTarget, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await target.orm.em.fork().count(EmailMessage, { status: 'pending' })) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function readLedger(
  target: StormTarget,
  catcher: SmtpCatcher,
  ids: string[],
): Promise<StormLedger> {
  await outboxSettled(target);
  const em = target.orm.em.fork();
  const invoices = await em.find(
    Invoice,
    { subscription: { $in: ids } },
    { orderBy: { periodIndex: 'asc' } },
  );
  const invoicesBySubscription = new Map<string, Map<number, string[]>>(ids.map((id) => [id, new Map()]));
  const invoiceTotals = new Map<string, number>();
  for (const invoice of invoices) {
    const periods = invoice.subscription ? invoicesBySubscription.get(invoice.subscription.id) : undefined;
    const periodIndex = invoice.periodIndex ?? -1;
    periods?.set(periodIndex, [...(periods.get(periodIndex) ?? []), invoice.status]);
    invoiceTotals.set(invoice.id, invoice.amountDue);
  }
  const attempts = await em.find(PaymentAttempt, { invoice: { $in: invoices.map((invoice) => invoice.id) } });
  const attemptsByInvoice = new Map<string, string[]>();
  for (const attempt of attempts) {
    const key = attempt.invoice.id;
    attemptsByInvoice.set(key, [...(attemptsByInvoice.get(key) ?? []), attempt.status]);
  }
  const charges = await em.getConnection().execute<{ invoice_id: string; charges: string; amount: string }[]>(
    `select metadata->>'invoice_id' as invoice_id, count(*) as charges, sum(amount) as amount
         from sandbox_charges where status = 'succeeded' group by 1`,
  );
  const succeededChargesByInvoice = new Map(charges.map((row) => [row.invoice_id, Number(row.charges)]));
  const chargedAmounts = new Map(charges.map((row) => [row.invoice_id, Number(row.amount)]));
  const emailRows = (await em.find(EmailMessage, {})).map(
    ({ causeKey, kind, recipient, status, messageId }) => ({
      causeKey,
      kind,
      recipient,
      status,
      messageId,
    }),
  );
  const known = new Set(emailRows.map((row) => row.messageId));
  const deliveries = new Map<string, { count: number; recipients: string[] }>();
  let strayDeliveries = 0;
  for (const message of catcher.messages()) {
    const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(message.raw)?.[1] ?? null;
    if (!messageId || !known.has(messageId)) {
      strayDeliveries++;
      continue;
    }
    const seen = deliveries.get(messageId) ?? { count: 0, recipients: [] };
    deliveries.set(messageId, {
      count: seen.count + 1,
      recipients: [...seen.recipients, ...message.envelopeTo],
    });
  }
  return {
    invoicesBySubscription,
    attemptsByInvoice,
    succeededChargesByInvoice,
    invoiceTotals,
    chargedAmounts,
    emailRows,
    deliveries,
    strayDeliveries,
  };
}

/**
 * The invariants every fault must leave intact, as a list of violations (empty when all hold), so that a failure
 * names each broken subscription, invoice or email instead of the first mismatch only.
 */
export function stormViolations(ledger: StormLedger, periods: number[]): string[] {
  const violations: string[] = [];
  for (const [subscriptionId, byPeriod] of ledger.invoicesBySubscription) {
    const indexes = [...byPeriod.keys()].sort((a, b) => a - b);
    if (JSON.stringify(indexes) !== JSON.stringify(periods))
      violations.push(`${subscriptionId}: invoices for periods ${JSON.stringify(indexes)}`);
    for (const [periodIndex, statuses] of byPeriod) {
      if (statuses.length !== 1 || statuses[0] !== 'paid')
        violations.push(`${subscriptionId} period ${periodIndex}: invoices ${JSON.stringify(statuses)}`);
    }
  }
  for (const [invoiceId, amountDue] of ledger.invoiceTotals) {
    const succeeded = (ledger.attemptsByInvoice.get(invoiceId) ?? []).filter(
      (status) => status === 'succeeded',
    );
    if (succeeded.length !== 1)
      violations.push(`${invoiceId}: ${succeeded.length} succeeded payment attempts`);
    const charges = ledger.succeededChargesByInvoice.get(invoiceId) ?? 0;
    if (charges !== 1) violations.push(`${invoiceId}: ${charges} succeeded sandbox charges`);
    const charged = ledger.chargedAmounts.get(invoiceId) ?? 0;
    if (charged !== amountDue) violations.push(`${invoiceId}: charged ${charged}, due ${amountDue}`);
  }
  for (const invoiceId of ledger.succeededChargesByInvoice.keys()) {
    if (!ledger.invoiceTotals.has(invoiceId))
      violations.push(`sandbox charge for unknown invoice ${invoiceId}`);
  }
  const causes = new Map<string, number>();
  for (const row of ledger.emailRows) {
    const cause = `${row.recipient}|${row.kind}|${row.causeKey}`;
    causes.set(cause, (causes.get(cause) ?? 0) + 1);
    if (row.status !== 'sent') violations.push(`email ${row.causeKey}: outbox row ${row.status}`);
    const delivered = ledger.deliveries.get(row.messageId);
    if (!delivered) violations.push(`email ${row.causeKey}: never reached the SMTP server`);
    else if (delivered.recipients.some((recipient) => recipient !== row.recipient))
      violations.push(`email ${row.causeKey}: delivered to ${delivered.recipients.join(', ')}`);
  }
  for (const [cause, rows] of causes) if (rows > 1) violations.push(`email ${cause}: ${rows} outbox rows`);
  if (ledger.strayDeliveries > 0)
    violations.push(`${ledger.strayDeliveries} delivered emails carry no outbox row's Message-ID`);
  return violations;
}

/**
 * SMTP has no idempotency: a worker killed after the server accepted a message and before the outbox row says
 * "sent" makes the retry hand the same message over again. It carries the same stable Message-ID, by which the
 * recipient's mail system drops it; this counts those re-deliveries so a run shows how often the window was hit.
 */
export function redeliveries(ledger: StormLedger): number {
  let extra = 0;
  for (const { count } of ledger.deliveries.values()) extra += count - 1;
  return extra;
}
