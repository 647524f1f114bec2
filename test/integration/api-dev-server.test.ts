import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { createTestWorker } from '../support/workers';
import { CustomerIdKey, SubscriptionStatusKey } from '../../src/workflows/search-attributes';
import { workflowIdFor } from '../../src/workflows/subscription.messages';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/logging';
import { createTestApi } from '../support/api';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startDevServerEnv } from '../support/temporal';

async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe('API over the Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  let worker: Worker;
  let running: Promise<void>;
  let app: Express;
  let auth: Record<string, string>;

  beforeAll(async () => {
    let bundle;
    [env, db, catcher, bundle] = await Promise.all([
      startDevServerEnv(),
      createTestDatabase(),
      startSmtpCatcher(),
      bundleWorkflows(),
    ]);
    mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
    const taskQueue = `api-${randomBytes(4).toString('hex')}`;
    worker = await createTestWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: bundle,
      orm: db.orm,
      mailer,
    });
    running = worker.run();
    ({ app, auth } = await createTestApi(db.orm, env.client, taskQueue));
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    mailer?.close();
    await Promise.all([env?.teardown(), db?.drop(), catcher?.close()]);
  });

  test('creating a subscription starts its workflow, which answers queries and obeys signals through the API', async () => {
    const customerId = `cus_${randomBytes(4).toString('hex')}`;
    const created = await request(app)
      .post('/v1/subscriptions')
      .set(auth)
      .send({ customer_id: customerId, plan_id: 'plan_pro', email: 'ada@example.test', interval: 'month' })
      .expect(201);
    expect(created.body).toMatchObject({ object: 'subscription', status: 'active', customer_id: customerId });
    const id: string = created.body.id;

    const description = await env.client.workflow.getHandle(workflowIdFor(id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(CustomerIdKey)).toBe(customerId);

    const fetched = await request(app).get(`/v1/subscriptions/${id}`).set(auth).expect(200);
    expect(fetched.body).toMatchObject({ id, status: 'active', period_index: 0, renewals: 0 });
    expect(fetched.body.current_period_start).toBe(created.body.current_period_start);

    await request(app).post(`/v1/subscriptions/${id}/pause`).set(auth).send({}).expect(202);
    const paused = await eventually(
      async () => (await request(app).get(`/v1/subscriptions/${id}`).set(auth)).body,
      (body) => body.status === 'paused',
    );
    expect(paused.status).toBe('paused');

    await request(app)
      .post(`/v1/subscriptions/${id}/cancel`)
      .set(auth)
      .send({ reason: 'too expensive' })
      .expect(202);
    const result = await env.client.workflow.getHandle(workflowIdFor(id)).result();
    expect(result).toMatchObject({ status: 'canceled', cancelReason: 'too expensive' });

    const listed = await eventually(
      async () => {
        const found = [];
        for await (const execution of env.client.workflow.list({ query: `CustomerId = '${customerId}'` })) {
          found.push(execution);
        }
        return found;
      },
      (found) =>
        found.length === 1 && found[0]?.typedSearchAttributes.get(SubscriptionStatusKey) === 'canceled',
    );
    expect(listed.map((execution) => execution.workflowId)).toEqual([workflowIdFor(id)]);
    expect(listed[0]?.typedSearchAttributes.get(SubscriptionStatusKey)).toBe('canceled');
  });

  test('requests are rejected with the error shape: no key, bad key, bad body, unknown subscription', async () => {
    const noKey = await request(app).get('/v1/subscriptions/sub_000000000000000000000000').expect(401);
    expect(noKey.body.error).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });

    const badKey = await request(app)
      .get('/v1/subscriptions/sub_000000000000000000000000')
      .set({ Authorization: 'Bearer sk_wrong' })
      .expect(401);
    expect(badKey.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });

    const invalid = await request(app)
      .post('/v1/subscriptions')
      .set(auth)
      .send({ customer_id: 'cus_1', plan_id: 'plan_1', email: 'not-an-email' })
      .expect(400);
    expect(invalid.body.error).toMatchObject({ type: 'invalid_request_error', param: 'email' });

    const extra = await request(app)
      .post('/v1/subscriptions')
      .set(auth)
      .send({ customer_id: 'cus_1', plan_id: 'plan_1', email: 'a@example.test', admin: true })
      .expect(400);
    expect(extra.body.error).toMatchObject({ code: 'unknown_parameter', param: 'admin' });

    const malformed = await request(app)
      .post('/v1/subscriptions')
      .set({ ...auth, 'Content-Type': 'application/json' })
      .send('{"customer_id":')
      .expect(400);
    expect(malformed.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });

    const missing = await request(app)
      .get('/v1/subscriptions/sub_000000000000000000000000')
      .set(auth)
      .expect(404);
    expect(missing.body.error).toMatchObject({ type: 'not_found', code: 'resource_missing' });
    expect(missing.headers['request-id']).toMatch(/^req_/);
  });

  test('liveness and readiness report the database and Temporal as reachable', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  });

  test('responses carry security headers, metrics are exposed, and a key over its rate limit gets 429', async () => {
    const health = await request(app).get('/healthz').expect(200);
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['access-control-allow-origin']).toBeUndefined();

    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toContain('perennial_http_request_duration_seconds_bucket');
    expect(metrics.text).toMatch(/route="\/healthz",status="200"/);

    const limited = createApp({
      orm: db.orm,
      client: env.client,
      logger: createLogger('silent', 'test-api'),
      config: { TEMPORAL_TASK_QUEUE: 'unused', RATE_LIMIT_PER_MINUTE: 2 },
    });
    await request(limited).get('/v1/subscriptions/sub_000000000000000000000000').set(auth).expect(404);
    await request(limited).get('/v1/subscriptions/sub_000000000000000000000000').set(auth).expect(404);
    const third = await request(limited)
      .get('/v1/subscriptions/sub_000000000000000000000000')
      .set(auth)
      .expect(429);
    expect(third.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
  });
});
