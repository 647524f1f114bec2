import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { EmailMessage, Invoice, PaymentAttempt } from '../../../src/db/entities';
import {
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';
import { KILLED_WORKER_ENV } from '../../support/killed-workers';

const root = path.resolve(__dirname, '..', '..', '..');

describe('lifecycle: a worker killed in the middle of a renewal', () => {
  let harness: LifecycleHarness;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    harness = await startLifecycleHarness({ inProcessWorker: false });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await harness?.close();
  });

  function spawnWorker(): ChildProcess {
    const worker = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: root,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        DATABASE_URL: harness.db.url,
        TEMPORAL_ADDRESS: harness.env.address,
        TEMPORAL_TASK_QUEUE: harness.taskQueue,
        SMTP_URL: harness.catcher.smtpUrl,
        SANDBOX_WEBHOOK_SECRET: TEST_SANDBOX_WEBHOOK_SECRET,
        ...KILLED_WORKER_ENV,
      },
    });
    workers.push(worker);
    return worker;
  }

  const sandboxCharges = async (invoiceId: string) =>
    harness.db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>(`select id from sandbox_charges where metadata->>'invoice_id' = ?`, [
        invoiceId,
      ]);

  test('a charge that went through before the kill is found again after the restart: one invoice, one charge, one receipt', async () => {
    const plan = await seedPlan(harness.db.orm);
    // Charges, then times out: the worker dies while the outcome is still unknown to the workflow.
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_timeoutAfterCharge');
    const first = spawnWorker();
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-02-01T00:00:00.000Z',
    });

    let invoice: Invoice | null = null;
    // The child worker bundles the workflows before it polls: on a loaded machine that alone takes tens of seconds.
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && !(invoice && (await sandboxCharges(invoice.id)).length > 0)) {
      invoice = await harness.db.orm.em
        .fork()
        .findOne(Invoice, { subscription: subscriptionId, periodIndex: 0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(invoice).not.toBeNull();
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    spawnWorker();
    // A kill during the charge call leaves the activity to its 1-minute start-to-close timeout before the retry.
    const snapshot = await settled(harness, subscriptionId, '2027-02-01T00:00:00.000Z', 180000);
    expect(snapshot.state.status).toBe('active');

    const em = harness.db.orm.em.fork();
    const invoices = await em.find(Invoice, { subscription: subscriptionId });
    expect(invoices.map((row) => [row.periodIndex, row.status])).toEqual([[0, 'paid']]);
    expect(await sandboxCharges(invoices[0]!.id)).toHaveLength(1);
    const attempts = await em.find(PaymentAttempt, { invoice: invoices[0]!.id });
    expect(attempts.map((attempt) => attempt.status)).toEqual(['succeeded']);
    const receipts = await em.count(EmailMessage, { causeKey: { $like: `${subscriptionId}:receipt:%` } });
    expect(receipts).toBe(1);
  }, 300000);
});
