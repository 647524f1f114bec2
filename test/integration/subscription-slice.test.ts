import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { Renewal } from '../../src/db/entities';
import { periodBounds } from '../../src/domain/calendar';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { createTestWorker } from '../support/workers';
import { getStateQuery, workflowIdFor } from '../../src/workflows/subscription.messages';
import { subscriptionWorkflow } from '../../src/workflows/subscription.workflow';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordHistoryIfAsked } from '../support/histories';
import { bundleWorkflows, startTimeSkippingEnv } from '../support/temporal';

describe('subscription workflow slice on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    [env, db, catcher, bundle] = await Promise.all([
      startTimeSkippingEnv(),
      createTestDatabase(),
      startSmtpCatcher(),
      bundleWorkflows(),
    ]);
    mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
  });

  afterAll(async () => {
    mailer?.close();
    await Promise.all([env?.teardown(), db?.drop(), catcher?.close()]);
  });

  test('a monthly subscription records exactly 12 renewals and 12 emails over one simulated year', async () => {
    const taskQueue = `slice-${randomBytes(4).toString('hex')}`;
    const subscriptionId = `sub_${randomBytes(12).toString('hex')}`;
    const worker = await createTestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: bundle,
      orm: db.orm,
      mailer,
    });
    const started = Date.now();
    const anchor = new Date(await env.currentTimeMs()).toISOString();
    const interval = { unit: 'month' as const, count: 1 };

    const view = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(subscriptionWorkflow, {
        workflowId: workflowIdFor(subscriptionId),
        taskQueue,
        args: [
          {
            subscriptionId,
            customerId: 'cus_slice',
            planId: 'plan_monthly',
            email: 'year@example.test',
            anchor,
            interval,
            timeZone: 'UTC',
            periodIndex: 0,
            period: periodBounds(anchor, interval, 0, 'UTC'),
            status: 'active',
            renewals: 0,
          },
        ],
      });
      // A year and a few hours: the 12th period ends inside it, the 13th does not.
      await env.sleep('365 days');
      await env.sleep('6 hours');
      await catcher.waitForMessages(12);
      await recordHistoryIfAsked('subscription-slice', await handle.fetchHistory());
      return handle.query(getStateQuery);
    });
    console.log(`one simulated year of monthly renewals took ${Date.now() - started} ms of wall time`);

    const renewals = await db.orm.em
      .fork()
      .find(Renewal, { subscriptionId }, { orderBy: { periodIndex: 'asc' } });
    expect(renewals.map((r) => r.periodIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(renewals.map((r) => r.periodStart.toISOString())).toEqual(
      renewals.map((_, index) => periodBounds(anchor, interval, index, 'UTC').start),
    );
    expect(view).toMatchObject({ status: 'active', periodIndex: 12, renewals: 12 });
    expect(catcher.messages()).toHaveLength(12);
    expect(new Set(catcher.messages().map((m) => m.subject)).size).toBe(1);
  });
});
