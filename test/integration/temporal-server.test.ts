import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { freePort } from '../../scripts/provision/ports';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { EmailMessage, Invoice } from '../../src/db/entities';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import type { PerennialWorker } from '../../src/worker';
import { lifecycleWorkflowIdFor } from '../../src/workflows/lifecycle/messages';
import { ok, subscribeThroughApi, supertestCall, type ApiCall } from '../support/api-flow';
import { createTestApi } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitUntil } from '../support/faults';
import { bundleWorkflows } from '../support/temporal';
import { startTestTemporalServer, type TestTemporalServer } from '../support/temporal-server';
import { createTestWorker } from '../support/workers';

/**
 * TEMPORAL_BACKEND=server: the Temporal server itself on PostgreSQL (SQL persistence and SQL visibility), with its
 * Web UI from the ui-server build, behind the real API and worker.
 */
describe('the Temporal server backend on PostgreSQL', () => {
  let server: TestTemporalServer;
  let db: TestDatabase;
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  let connection: Connection;
  let workerConnection: NativeConnection;
  let worker: PerennialWorker;
  let running: Promise<void>;
  let call: ApiCall;
  let assertConformant: () => void;

  beforeAll(async () => {
    const [started, database, smtp, bundle] = await Promise.all([
      freePort().then((uiPort) => startTestTemporalServer({ uiPort })),
      createTestDatabase(),
      startSmtpCatcher(),
      bundleWorkflows(),
    ]);
    [server, db, catcher] = [started, database, smtp];
    mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
    connection = await Connection.connect({ address: server.address });
    workerConnection = await NativeConnection.connect({ address: server.address });
    const taskQueue = `server-backend-${randomBytes(4).toString('hex')}`;
    worker = await createTestWorker({
      connection: workerConnection,
      taskQueue,
      workflowBundle: bundle,
      orm: db.orm,
      mailer,
    });
    running = worker.run();
    const api = await createTestApi(db.orm, new Client({ connection }), taskQueue, { mailer });
    call = supertestCall(api.app, api.auth);
    assertConformant = api.assertConformant;
  }, 600000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    mailer?.close();
    await workerConnection?.close();
    await connection?.close();
    await Promise.all([server?.close(), db?.drop(), catcher?.close()]);
    assertConformant?.();
  });

  test('runs a subscription end to end: created with its first charge and receipt, found by its search attributes in SQL visibility and in the Web UI, paused and resumed by updates, its history kept in PostgreSQL', async () => {
    const { subscription, customerId } = await subscribeThroughApi(call);
    expect(subscription).toMatchObject({ status: 'active' });
    const id = String(subscription.id);
    const workflowId = lifecycleWorkflowIdFor(id);

    const invoices = () =>
      db.orm.em.fork().find(Invoice, { subscription: id }, { orderBy: { createdAt: 'asc' } });
    expect((await invoices()).map((invoice) => invoice.status)).toEqual(['paid']);
    await waitUntil(
      async () => {
        const receipt = await db.orm.em
          .fork()
          .findOne(EmailMessage, { subscriptionId: id, kind: 'receipt', status: 'sent' });
        return Boolean(
          receipt && catcher.messages().some((message) => message.raw.includes(receipt.messageId)),
        );
      },
      'the receipt of the first invoice at the SMTP server',
      60000,
    );

    // SQL visibility is written asynchronously, after the workflow task that set the attributes.
    const client = new Client({ connection });
    const listed: string[] = [];
    await waitUntil(
      async () => {
        listed.length = 0;
        for await (const execution of client.workflow.list({
          query: `CustomerId = '${customerId}' AND SubscriptionStatus = 'active' AND DunningLevel = 0 AND NeedsAttention = false`,
        }))
          listed.push(execution.workflowId);
        return listed.length > 0;
      },
      'the workflow in SQL visibility',
      30000,
    );
    expect(listed).toEqual([workflowId]);

    const uiUrl = server.uiUrl();
    expect(uiUrl).not.toBeNull();
    const fromUi = (await (
      await fetch(
        `${uiUrl}/api/v1/namespaces/${server.namespace}/workflows?query=${encodeURIComponent(`CustomerId = '${customerId}'`)}`,
      )
    ).json()) as { executions?: { execution?: { workflowId?: string } }[] };
    expect(fromUi.executions?.map((execution) => execution.execution?.workflowId)).toEqual([workflowId]);

    expect(await ok(call, 'POST', `/v1/subscriptions/${id}/pause`, {})).toMatchObject({ status: 'paused' });
    expect(await ok(call, 'POST', `/v1/subscriptions/${id}/resume`, {})).toMatchObject({ status: 'active' });
    // Resuming starts a new period: its invoice is charged within the update.
    expect((await invoices()).map((invoice) => invoice.status)).toEqual(['paid', 'paid']);

    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.length ?? 0).toBeGreaterThan(0);
    const url = new URL(process.env.PERENNIAL_TEST_ADMIN_DATABASE_URL ?? '');
    url.pathname = `/${server.databases.main}`;
    const temporalDb = new PgClient({ connectionString: url.toString() });
    await temporalDb.connect();
    try {
      const { rows } = await temporalDb.query<{ runs: string }>(
        'select count(*) as runs from executions where workflow_id = $1',
        [workflowId],
      );
      expect(Number(rows[0]?.runs)).toBeGreaterThan(0);
    } finally {
      await temporalDb.end();
    }
  }, 300000);
});
