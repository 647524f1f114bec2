import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { PerennialWorker as Worker } from '../../src/worker';
import { randomBytes } from 'node:crypto';
import { Customer, PaymentMethod, Plan, PlanPrice, Product, SellerSettings } from '../../src/db/entities';
import type { Orm } from '../../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { DEFAULT_DUNNING_POLICY, type DunningPolicy } from '../../src/domain/dunning';
import { SandboxGateway } from '../../src/gateways';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { startSubscription, type StartSubscriptionInput } from '../../src/subscriptions/start';
import { type ChangeRequest, changeCommandFor } from '../../src/subscriptions/commands';
import { Subscription } from '../../src/db/entities';
import type { ChangeCommand } from '../../src/workflows/lifecycle/messages';
import {
  getSubscriptionQuery,
  lifecycleWorkflowIdFor,
  type SubscriptionSnapshot,
  testClockAdvancedSignal,
} from '../../src/workflows/lifecycle/messages';
import { createTestDatabase, type TestDatabase } from './database';
import { bundleWorkflows, startDevServerEnv, startTimeSkippingEnv } from './temporal';
import { createTestWorker, TEST_SANDBOX_WEBHOOK_SECRET } from './workers';

/** Real services for lifecycle tests: Temporal, PostgreSQL, SMTP, the sandbox gateway, one worker. */
/** What seeding a customer and a card needs: the database and the gateway, from any harness. */
export interface SeedingHarness {
  db: Pick<TestDatabase, 'orm'>;
  gateway: SandboxGateway;
}

export interface LifecycleHarness {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  catcher: SmtpCatcher;
  mailer: Mailer;
  gateway: SandboxGateway;
  /** Null when the test runs its workers as separate processes. */
  worker: Worker | null;
  running: Promise<void>;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * Test-clock scenarios run on the dev server (a real Temporal server, which answers update polls at once); scenarios
 * that let the workflow's own timers run use the time-skipping server.
 */
export async function startLifecycleHarness(
  options: {
    dunningPolicy?: DunningPolicy;
    server?: 'dev' | 'time-skipping';
    inProcessWorker?: boolean;
  } = {},
): Promise<LifecycleHarness> {
  const [env, db, catcher, bundle] = await Promise.all([
    options.server === 'time-skipping' ? startTimeSkippingEnv() : startDevServerEnv(),
    createTestDatabase(),
    startSmtpCatcher(),
    bundleWorkflows(),
  ]);
  const mailer = createMailer(catcher.smtpUrl, 'Rösterei Beispiel <billing@example.test>');
  await seedSeller(db.orm, options.dunningPolicy);
  const taskQueue = `lifecycle-${randomBytes(4).toString('hex')}`;
  const worker =
    options.inProcessWorker === false
      ? null
      : await createTestWorker({
          connection: env.nativeConnection,
          taskQueue,
          workflowBundle: bundle as WorkflowBundle,
          orm: db.orm,
          mailer,
        });
  const running = worker ? worker.run() : Promise.resolve();
  return {
    env,
    db,
    catcher,
    mailer,
    gateway: new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
    worker,
    running,
    taskQueue,
    async close() {
      worker?.shutdown();
      await running;
      mailer.close();
      await Promise.all([env.teardown(), db.drop(), catcher.close()]);
    },
  };
}

/** The seller every lifecycle and fault test bills as. */
export async function seedSeller(
  orm: Orm,
  dunningPolicy: DunningPolicy = DEFAULT_DUNNING_POLICY,
): Promise<void> {
  const em = orm.em.fork();
  em.create(SellerSettings, {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vatId: 'DE123456789',
    defaultCurrency: 'EUR',
    dunningPolicy,
  });
  await em.flush();
}

/** A plan priced per unit and period, e.g. 19.00 EUR a month. */
export async function seedPlan(
  orm: Orm,
  options: {
    name?: string;
    unit?: Plan['intervalUnit'];
    amounts?: Record<string, number>;
    trialDays?: number;
  } = {},
): Promise<Plan> {
  const em = orm.em.fork();
  const product = em.create(Product, { name: 'Coffee subscription' });
  const plan = em.create(Plan, {
    product,
    name: options.name ?? 'Monthly beans',
    intervalUnit: options.unit ?? 'month',
    intervalCount: 1,
    pricingModel: 'per_unit',
    trialDays: options.trialDays ?? 0,
  });
  for (const [currency, unitAmount] of Object.entries(options.amounts ?? { EUR: 1900 })) {
    em.create(PlanPrice, { plan, currency, scheme: { model: 'per_unit', unitAmount } });
  }
  await em.flush();
  return plan;
}

/** A German consumer with, optionally, a sandbox card (a test token such as `tok_visa`). */
export async function seedCustomer(
  harness: SeedingHarness,
  token: string | null,
): Promise<{ customer: Customer; paymentMethodId: string | null }> {
  const em = harness.db.orm.em.fork();
  const customer = em.create(Customer, {
    email: `erika.${randomBytes(3).toString('hex')}@example.test`,
    name: 'Erika Mustermann',
    locale: 'de',
    country: 'DE',
  });
  await em.flush();
  if (!token) return { customer, paymentMethodId: null };
  return { customer, paymentMethodId: await attachCard(harness, customer, token) };
}

export async function attachCard(
  harness: SeedingHarness,
  customer: Customer,
  token: string,
): Promise<string> {
  const em = harness.db.orm.em.fork();
  const { customerRef } = await harness.gateway.createCustomer({ idempotencyKey: `customer:${customer.id}` });
  const card = await harness.gateway.attachPaymentMethod({ customerRef, token });
  const method = em.create(PaymentMethod, {
    customer: em.getReference(Customer, customer.id),
    gateway: 'sandbox',
    token: card.paymentMethodRef,
    brand: card.brand,
    last4: card.last4,
    expMonth: card.expMonth,
    expYear: card.expYear,
  });
  await em.flush();
  return method.id;
}

export async function start(harness: LifecycleHarness, input: StartSubscriptionInput) {
  const started = await startSubscription(
    {
      em: harness.db.orm.em.fork(),
      client: harness.env.client,
      taskQueue: harness.taskQueue,
      now: async () => new Date(await harness.env.currentTimeMs()),
    },
    input,
  );
  return { ...started, handle: harness.env.client.workflow.getHandle(started.workflowId) };
}

export function handleOf(harness: LifecycleHarness, subscriptionId: string) {
  return harness.env.client.workflow.getHandle(lifecycleWorkflowIdFor(subscriptionId));
}

/** Waits until the workflow has processed everything due up to its clock's current time. */
export async function settled(
  harness: LifecycleHarness,
  subscriptionId: string,
  clockTime?: string,
  timeoutMs = 60000,
) {
  const handle = handleOf(harness, subscriptionId);
  const deadline = Date.now() + timeoutMs;
  let snapshot: SubscriptionSnapshot | null = null;
  while (Date.now() < deadline) {
    try {
      // Each query bounded, so that one the server never answers is asked again within the wait, not waited on for ever.
      snapshot = await harness.env.client.withDeadline(Date.now() + 10_000, () =>
        handle.query(getSubscriptionQuery),
      );
      if (snapshot.caughtUp && (clockTime === undefined || snapshot.clockTime === clockTime)) return snapshot;
    } catch {
      // Between two runs of a continue-as-new chain a query can miss; ask again.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`subscription ${subscriptionId} did not settle: ${JSON.stringify(snapshot)}`);
}

/** Moves a test clock and waits until the subscription has caught up with it. */
export async function advanceClock(harness: LifecycleHarness, subscriptionId: string, frozenTime: string) {
  await handleOf(harness, subscriptionId).signal(testClockAdvancedSignal, { frozenTime });
  return settled(harness, subscriptionId, new Date(frozenTime).toISOString());
}

/** A change of items as the API builds it: the caller's edits priced against the subscription's committed state. */
export async function changeCommand(
  harness: Pick<LifecycleHarness, 'db'>,
  subscriptionId: string,
  request: ChangeRequest,
): Promise<ChangeCommand> {
  const em = harness.db.orm.em.fork();
  const row = await em.findOneOrFail(Subscription, subscriptionId);
  if (!row.state) throw new Error(`subscription ${subscriptionId} has no committed state`);
  return changeCommandFor(em, row.state, request);
}

/** The id of the subscription's base item in its committed state. */
export async function baseItemId(
  harness: Pick<LifecycleHarness, 'db'>,
  subscriptionId: string,
): Promise<string> {
  const row = await harness.db.orm.em.fork().findOneOrFail(Subscription, subscriptionId);
  const item = row.state?.items[0];
  if (!item) throw new Error(`subscription ${subscriptionId} has no items`);
  return item.id;
}
