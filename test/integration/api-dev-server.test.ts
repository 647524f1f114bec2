import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { Subscription } from '../../src/db/entities';
import { CustomerIdKey } from '../../src/workflows/search-attributes';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/logging';
import { type ApiStack, startApiStack } from '../support/api-stack';
import { extractPdfText } from '../support/pdf-text';
import { type ApiCall, subscribeThroughApi } from '../support/api-flow';
import type { TestDatabase } from '../support/database';

describe('API over the Temporal dev server', () => {
  let stack: ApiStack;
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let app: Express;
  let auth: Record<string, string>;

  beforeAll(async () => {
    stack = await startApiStack('api');
    ({ env, db, app, auth } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  test('a subscription made through the API runs as its workflow; pause, resume, cancel and undo go through updates, and the read model agrees', async () => {
    const call: ApiCall = async (method, path, body) => {
      const agent = request(app);
      const pending =
        method === 'GET' ? agent.get(path) : method === 'PUT' ? agent.put(path) : agent.post(path);
      const response = await pending.set(auth).send(body as object);
      return { status: response.status, body: response.body as Record<string, unknown> };
    };
    const { subscription, customerId } = await subscribeThroughApi(call, {
      customerEmail: 'api@example.test',
    });
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'active',
      live: true,
      customer_id: customerId,
    });
    const id = String(subscription.id);

    const invoices = await call('GET', `/v1/invoices?subscription_id=${id}`);
    expect(invoices.body).toMatchObject({
      object: 'list',
      data: [{ status: 'paid', total: 2261, amount_due: 2261, billing_reason: 'subscription_cycle' }],
    });
    const invoice = (invoices.body.data as { id: string; number: string }[])[0];
    const pdf = await request(app)
      .get(`/v1/invoices/${invoice?.id}/pdf`)
      .set(auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((await extractPdfText(pdf.body as Buffer)).text).toContain(invoice?.number ?? 'no number');

    const description = await env.client.workflow.getHandle(`subscription-${id}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(CustomerIdKey)).toBe(customerId);

    const paused = await call('POST', `/v1/subscriptions/${id}/pause`, {});
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused' } });
    const pausedAgain = await call('POST', `/v1/subscriptions/${id}/pause`, {});
    expect(pausedAgain.status).toBe(409);
    expect(pausedAgain.body.error).toMatchObject({
      type: 'conflict',
      code: 'invalid_state',
      message: 'Subscription is already paused',
    });
    expect((await call('POST', `/v1/subscriptions/${id}/resume`, {})).body).toMatchObject({
      status: 'active',
    });
    expect((await call('POST', `/v1/subscriptions/${id}/cancel`, { at: 'period_end' })).body).toMatchObject({
      cancel_at_period_end: true,
    });
    expect((await call('POST', `/v1/subscriptions/${id}/reactivate`, {})).body).toMatchObject({
      cancel_at_period_end: false,
    });
    const canceled = await call('POST', `/v1/subscriptions/${id}/cancel`, {
      at: 'immediately',
      unused: 'credit',
      reason: 'moving',
    });
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation_reason: 'moving' });
    // Nearly the whole 22.61 EUR period was unused, and it is now the customer's credit.
    const balance = canceled.body.customer_balance as { amount: number; currency: string };
    expect(balance.currency).toBe('EUR');
    expect(balance.amount).toBeGreaterThan(2200);
    expect(balance.amount).toBeLessThanOrEqual(2261);

    const result = await env.client.workflow.getHandle(`subscription-${id}`).result();
    expect(result.state.status).toBe('canceled');
    const row = await db.orm.em.fork().findOneOrFail(Subscription, id);
    expect(row).toMatchObject({ status: 'canceled', cancellationReason: 'moving', cancelAtPeriodEnd: false });
    const ended = await call('POST', `/v1/subscriptions/${id}/resume`, {});
    expect(ended.status).toBe(409);
    expect(ended.body.error).toMatchObject({ code: 'subscription_ended' });

    const events = await call('GET', `/v1/events?subscription_id=${id}&limit=100`);
    const types = (events.body.data as { type: string }[]).map((event) => event.type);
    expect(types[0]).toBe('subscription.created');
    expect(types).toEqual(
      expect.arrayContaining([
        'invoice.paid',
        'subscription.paused',
        'subscription.cancel_undone',
        'subscription.canceled',
      ]),
    );

    const listed = await call('GET', `/v1/subscriptions?customer_id=${customerId}`);
    expect(listed.body).toMatchObject({
      object: 'list',
      has_more: false,
      data: [{ id, status: 'canceled', live: false }],
    });
    // The list reads plain rows and the get one query each: both answer the same object.
    const single = await call('GET', `/v1/subscriptions/${id}`);
    expect((listed.body.data as unknown[])[0]).toEqual(single.body);
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
      .send({ customer_id: 'cus_1', plan_id: 'plan_000000000000000000000000' })
      .expect(400);
    expect(invalid.body.error).toMatchObject({ type: 'invalid_request_error', param: 'customer_id' });

    const extra = await request(app)
      .post('/v1/subscriptions')
      .set(auth)
      .send({
        customer_id: 'cus_000000000000000000000000',
        plan_id: 'plan_000000000000000000000000',
        admin: true,
      })
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

    const metrics = await request(app).get('/metrics').set(auth).expect(200);
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
