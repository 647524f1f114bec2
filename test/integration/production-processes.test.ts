import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/provision/ports';
import { createApiKey } from '../../src/db/api-keys';
import { Invoice } from '../../src/db/entities';
import { workflowCacheFor } from '../../src/temporal/worker-tuning';
import { fetchCall, subscribeThroughApi } from '../support/api-flow';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startDevServerEnv } from '../support/temporal';

const root = path.resolve(__dirname, '..', '..');

const scripts = {
  worker: ['src/worker.ts'],
  api: ['src/api/server.ts'],
  revokeKey: ['scripts/revoke-api-key.ts'],
};

function run(
  script: keyof typeof scripts,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...scripts[script], ...args], {
    cwd: root,
    env,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('production processes (npm run worker, npm run api)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    [env, db, catcher] = await Promise.all([startDevServerEnv(), createTestDatabase(), startSmtpCatcher()]);
  });

  afterAll(async () => {
    await Promise.all([env?.teardown(), db?.drop(), catcher?.close()]);
  });

  test('run from environment variables alone, serve a subscription end to end, and stop cleanly on SIGTERM', async () => {
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    const address = env.address;
    const processEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: 'production-processes',
      SMTP_URL: catcher.smtpUrl,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      SHUTDOWN_GRACE_MS: '2000',
      SANDBOX_WEBHOOK_SECRET: 'production-test-sandbox-secret',
      PORTAL_LINK_SECRET: 'production-test-portal-link-secret-0123456789',
    };
    const { secret, key } = await createApiKey(db.orm.em.fork(), 'production-test');
    const worker = run('worker', {
      ...processEnv,
      LOG_LEVEL: 'info',
      WORKER_CACHE_MB: '64',
      WORKER_STICKY_TIMEOUT_MS: '45000',
      // The worker without its workflow watchdog (the SDK's subclass hook) runs the real workflows below.
      WORKER_WORKFLOW_WATCHDOG_MS: '0',
    });
    const api = run('api', {
      ...processEnv,
      LOG_LEVEL: 'info',
      METRICS_BIND: `127.0.0.1:${metricsPort}`,
    });
    const base = `http://127.0.0.1:${apiPort}`;
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, `the API\n${api.output()}`);
      // The worker's tuning settings reach the SDK's worker, as its start line reports them.
      await waitFor(async () => worker.output().includes('worker started'), `the worker\n${worker.output()}`);
      const started = worker
        .output()
        .split('\n')
        .filter((line) => line.includes('worker started'))
        .map(
          (line) =>
            JSON.parse(line) as {
              stickyQueueTimeoutMs?: number;
              maxCachedWorkflows?: number;
              workflowWatchdogMs?: number;
            },
        );
      expect(started).toEqual([
        expect.objectContaining({
          stickyQueueTimeoutMs: 45_000,
          maxCachedWorkflows: workflowCacheFor(64).maxCachedWorkflows,
          workflowWatchdogMs: 0,
        }),
      ]);
      const { subscription } = await subscribeThroughApi(fetchCall(base, secret));
      // Invoiced and charged by the separate worker process before the API answered.
      expect(subscription).toMatchObject({ status: 'active', live: true });
      const invoices = await db.orm.em.fork().find(Invoice, { subscription: String(subscription.id) });
      expect(invoices.map((invoice) => invoice.status)).toEqual(['paid']);
      await catcher.waitForMessages(2);

      // The figures on their own listener, without a key; none on the API's port.
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('perennial_business_metrics_up 1');
      const onApi = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${secret}` } });
      expect(onApi.status).toBe(404);

      // Production logs are JSON, a short line per request and no header.
      const lines = api
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      const requests = lines.map(
        (line) => JSON.parse(line) as { request?: { method: string; path: string } },
      );
      expect(requests.map((entry) => entry.request)).toContainEqual(
        expect.objectContaining({ method: 'POST', path: '/v1/subscriptions', status: 201 }),
      );
      expect(api.output()).not.toContain(secret);
      expect(api.output().toLowerCase()).not.toContain('authorization');

      // A key revoked by the script is refused by the running API once its cached verification ages out.
      const revoke = run('revokeKey', processEnv, [key.id]);
      expect(await exitCode(revoke.child)).toBe(0);
      expect(revoke.output()).toContain(`revoked API key "production-test" (${key.id})`);
      await waitFor(
        async () =>
          (await fetch(`${base}/v1/customers`, { headers: { Authorization: `Bearer ${secret}` } })).status ===
          401,
        'the revoked key to be refused',
      );
    } finally {
      const [workerExit, apiExit] = [exitCode(worker.child), exitCode(api.child)];
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
      expect(await workerExit).toBe(0);
      expect(await apiExit).toBe(0);
    }
  });
});
