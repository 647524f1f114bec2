import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/provision/ports';
import { createApp } from '../../src/api/app';
import { createApiKey } from '../../src/db/api-keys';
import {
  Customer,
  EmailMessage,
  Invoice,
  PaymentAttempt,
  PaymentMethod,
  Plan,
  PlanPrice,
  Product,
  SellerSettings,
} from '../../src/db/entities';
import type { Orm } from '../../src/db/orm.config';
import { startSmtpCatcher, type CapturedMessage, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { DEFAULT_DUNNING_POLICY } from '../../src/domain/dunning';
import { SandboxGateway } from '../../src/gateways';
import { createLogger } from '../../src/logging';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { startSubscription } from '../../src/subscriptions/start';
import {
  getSubscriptionQuery,
  lifecycleWorkflowIdFor,
  testClockAdvancedSignal,
} from '../../src/workflows/lifecycle/messages';
import { bundleWorkflows, startDevServerEnv } from './temporal';
import { createTestWorker, TEST_SANDBOX_WEBHOOK_SECRET } from './workers';

/**
 * A PostgreSQL server of the test's own, on its own data directory and port: the one of jest's global setup serves
 * every other test file at the same time and must never be stopped.
 */
export interface OwnPostgres {
  url: string;
  port: number;
  /** Fast shutdown (SIGINT): open sessions are terminated, as in a crash of the database host's service. */
  stop(): Promise<void>;
  /** Starts again on the same data directory and port, so clients reconnect to the same URL. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const root = path.resolve(__dirname, '..', '..');

interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

async function embedded(dataDir: string, port: number): Promise<RunningPostgres> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/own-postgres.ts', dataDir, String(port)],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"url":'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`PostgreSQL process exited (${code}): ${stderr}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`PostgreSQL process stopped with ${code}: ${stderr}`);
    },
  };
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perennial-fault-pg-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  let running: RunningPostgres | null = await embedded(dataDir, port);
  const url = running.url;
  return {
    url,
    port,
    async stop() {
      await running?.stop();
      running = null;
    },
    async start() {
      running ??= await embedded(dataDir, port);
    },
    async close() {
      await running?.stop();
      running = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An SMTP catcher that can go away and come back on the same port, as a relay restarted by its operator does. */
export interface RestartableSmtp {
  smtpUrl: string;
  current(): SmtpCatcher | null;
  stop(): Promise<void>;
  start(): Promise<SmtpCatcher>;
  close(): Promise<void>;
}

export async function startRestartableSmtp(): Promise<RestartableSmtp> {
  const smtpPort = await freePort();
  let catcher: SmtpCatcher | null = await startSmtpCatcher({ smtpPort });
  return {
    smtpUrl: catcher.smtpUrl,
    current: () => catcher,
    async stop() {
      await catcher?.close();
      catcher = null;
    },
    async start() {
      catcher ??= await startSmtpCatcher({ smtpPort });
      return catcher;
    },
    async close() {
      await catcher?.close();
      catcher = null;
    },
  };
}

/** Polls until `check` holds; the timeout bounds a test that would otherwise wait forever on a stuck workflow. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      // A check may itself hit the outage being tested; it is asked again until the deadline.
    }
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The engine as it runs in production, over the given database and SMTP relay: the dev server, one in-process
 * worker, and the API listening on a real port (so a hang shows as a client timeout, not a stuck promise).
 */
export interface FaultStack {
  env: TestWorkflowEnvironment;
  orm: Orm;
  gateway: SandboxGateway;
  mailer: Mailer;
  worker: Worker;
  taskQueue: string;
  apiUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startFaultStack(orm: Orm, smtpUrl: string): Promise<FaultStack> {
  const [env, bundle] = await Promise.all([startDevServerEnv(), bundleWorkflows()]);
  const mailer = createMailer(smtpUrl, 'Rösterei Beispiel <billing@example.test>');
  const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
  const worker = await createTestWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    orm,
    mailer,
  });
  const running = worker.run();
  const gateway = new SandboxGateway({ orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
  const app: Express = createApp({
    orm,
    client: env.client,
    logger: createLogger('silent', 'fault-api'),
    config: { TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: 100_000 },
    gateway,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { secret } = await createApiKey(orm.em.fork(), 'faults');
  return {
    env,
    orm,
    gateway,
    mailer,
    worker,
    taskQueue,
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiKey: secret,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      mailer.close();
      await env.teardown();
    },
  };
}

export const CLOCK_START = '2027-01-01T00:00:00.000Z';
export const CLOCK_RENEWAL = '2027-02-01T00:00:00.000Z';

/** A seller, a 19.00 EUR monthly plan and `count` customers with a sandbox Visa card, each on a subscription. */
export async function startSubscriptions(stack: FaultStack, count: number): Promise<string[]> {
  const em = stack.orm.em.fork();
  em.create(SellerSettings, {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vatId: 'DE123456789',
    defaultCurrency: 'EUR',
    dunningPolicy: DEFAULT_DUNNING_POLICY,
  });
  const plan = em.create(Plan, {
    product: em.create(Product, { name: 'Coffee subscription' }),
    name: 'Monthly beans',
    intervalUnit: 'month',
    intervalCount: 1,
    pricingModel: 'per_unit',
  });
  em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 1900 } });
  await em.flush();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const customer = em.create(Customer, {
      email: `c${i}.${randomBytes(3).toString('hex')}@example.test`,
      name: `Kunde ${i}`,
      locale: 'de',
      country: 'DE',
    });
    await em.flush();
    const { customerRef } = await stack.gateway.createCustomer({ idempotencyKey: `customer:${customer.id}` });
    const card = await stack.gateway.attachPaymentMethod({ customerRef, token: 'tok_visa' });
    const method = em.create(PaymentMethod, {
      customer,
      gateway: 'sandbox',
      token: card.paymentMethodRef,
      brand: card.brand,
      last4: card.last4,
      expMonth: card.expMonth,
      expYear: card.expYear,
    });
    await em.flush();
    const started = await startSubscription(
      { em: stack.orm.em.fork(), client: stack.env.client, taskQueue: stack.taskQueue },
      {
        customerId: customer.id,
        planId: plan.id,
        currency: 'EUR',
        paymentMethodId: method.id,
        testClockTime: CLOCK_START,
      },
    );
    ids.push(started.subscriptionId);
  }
  return ids;
}

export async function advanceAll(stack: FaultStack, subscriptionIds: string[], frozenTime: string) {
  await Promise.all(
    subscriptionIds.map((id) =>
      stack.env.client.workflow
        .getHandle(lifecycleWorkflowIdFor(id))
        .signal(testClockAdvancedSignal, { frozenTime }),
    ),
  );
}

export const paidInvoices = (orm: Orm, periodIndex: number) =>
  orm.em.fork().count(Invoice, { periodIndex, status: 'paid' });

/**
 * True once a workflow is running, has caught up with `clockTime` and has no activity left to retry: a workflow
 * that is neither is stuck, whatever its projection says.
 */
export async function isSettled(stack: FaultStack, subscriptionId: string, clockTime: string) {
  const handle = stack.env.client.workflow.getHandle(lifecycleWorkflowIdFor(subscriptionId));
  const [snapshot, description] = await Promise.all([handle.query(getSubscriptionQuery), handle.describe()]);
  return (
    description.status.name === 'RUNNING' &&
    (description.raw.pendingActivities ?? []).length === 0 &&
    snapshot.caughtUp &&
    snapshot.clockTime === clockTime &&
    snapshot.state.status === 'active'
  );
}

function messageIdOf(message: CapturedMessage): string {
  const match = /^Message-ID:\s*(<[^>]+>)/im.exec(message.raw);
  if (!match?.[1]) throw new Error(`message ${message.id} has no Message-ID`);
  return match[1];
}

/** What the invariants of a run look like, so a test compares one value and a failure shows all of it. */
export async function ledgerOf(orm: Orm, catcher: SmtpCatcher) {
  const em = orm.em.fork();
  const invoices = await em.find(Invoice, {}, { orderBy: { subscription: 'asc', periodIndex: 'asc' } });
  const perPeriod = new Map<string, number>();
  for (const invoice of invoices) {
    const key = `${invoice.subscription?.id ?? 'none'}:${invoice.periodIndex}`;
    perPeriod.set(key, (perPeriod.get(key) ?? 0) + 1);
  }
  const attempts = await em.find(PaymentAttempt, {});
  const succeededPerInvoice = new Map<string, number>();
  for (const attempt of attempts.filter((a) => a.status === 'succeeded')) {
    succeededPerInvoice.set(attempt.invoice.id, (succeededPerInvoice.get(attempt.invoice.id) ?? 0) + 1);
  }
  const charges = await em
    .getConnection()
    .execute<{ invoice_id: string; charges: string }[]>(
      `select metadata->>'invoice_id' as invoice_id, count(*)::text as charges from sandbox_charges group by 1`,
    );
  const outbox = await em.find(EmailMessage, {});
  const deliveries = new Map<string, number>();
  for (const message of catcher.messages()) {
    const id = messageIdOf(message);
    deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
  }
  return {
    invoices,
    invoicesPerPeriod: [...perPeriod.values()],
    succeededPaymentsPerInvoice: invoices.map((invoice) => succeededPerInvoice.get(invoice.id) ?? 0),
    chargesPerInvoice: invoices.map((invoice) =>
      Number(charges.find((row) => row.invoice_id === invoice.id)?.charges ?? 0),
    ),
    outbox,
    deliveries,
  };
}
