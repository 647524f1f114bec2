import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { Invoice } from '../../../src/db/entities';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import type { TestDatabase } from '../../support/database';

type Body = Record<string, unknown>;

describe('test clocks over the Temporal dev server', () => {
  let stack: ApiStack;
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let app: Express;
  let auth: Record<string, string>;

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object) {
    const agent = request(app);
    const req =
      method === 'GET'
        ? agent.get(path)
        : method === 'PUT'
          ? agent.put(path)
          : method === 'DELETE'
            ? agent.delete(path)
            : agent.post(path);
    const response = await req.set(auth).send(body);
    return { status: response.status, body: response.body as Body };
  }

  async function ok(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object): Promise<Body> {
    const response = await call(method, path, body);
    if (response.status >= 300) {
      throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  async function untilReady(clockId: string): Promise<Body> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const clock = await ok('GET', `/v1/test_clocks/${clockId}`);
      if (clock.status === 'ready' || Date.now() > deadline) return clock;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A monthly EUR plan and a customer with a card on a new clock frozen at `frozenTime`. */
  async function customerOnClock(frozenTime: string, email: string) {
    const clock = await ok('POST', '/v1/test_clocks', { frozen_time: frozenTime, name: email });
    const product = await ok('POST', '/v1/products', { name: 'Coffee' });
    const plan = await ok('POST', '/v1/plans', {
      product_id: product.id,
      name: 'Monthly beans',
      interval: 'month',
      amounts: { EUR: 1900 },
      trial_days: 0,
    });
    const customer = await ok('POST', '/v1/customers', {
      email,
      name: 'Erika Mustermann',
      locale: 'de',
      country: 'DE',
      test_clock_id: clock.id,
    });
    await ok('POST', `/v1/customers/${String(customer.id)}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_visa',
    });
    return { clockId: String(clock.id), planId: String(plan.id), customer };
  }

  beforeAll(async () => {
    stack = await startApiStack('clocks');
    ({ env, db, app, auth } = stack);
    await ok('PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  test('a monthly subscription on a clock advanced month by month bills 13 months: 13 paid invoices, end-of-month periods, consecutive numbers', async () => {
    const started = Date.now();
    const { clockId, planId, customer } = await customerOnClock(
      '2027-01-31T09:00:00.000Z',
      'clock@example.test',
    );
    expect(customer.test_clock_id).toBe(clockId);

    const subscription = await ok('POST', '/v1/subscriptions', { customer_id: customer.id, plan_id: planId });
    expect(subscription).toMatchObject({
      status: 'active',
      current_period_start: '2027-01-31T09:00:00.000Z',
      current_period_end: '2027-02-28T09:00:00.000Z',
    });
    expect(await untilReady(clockId)).toMatchObject({
      status: 'ready',
      frozen_time: '2027-01-31T09:00:00.000Z',
    });

    // Each renewal date: the 31st where the month has one, else its last day (the anchor is kept, not drifted).
    const periodStarts = Array.from({ length: 13 }, (_, month) => {
      const lastDay = new Date(Date.UTC(2027, month + 1, 0)).getUTCDate();
      return new Date(Date.UTC(2027, month, Math.min(31, lastDay), 9)).toISOString();
    });
    for (const frozenTime of periodStarts.slice(1)) {
      const advanced = await ok('POST', `/v1/test_clocks/${clockId}/advance`, { frozen_time: frozenTime });
      expect(advanced).toMatchObject({ status: 'advancing', frozen_time: frozenTime });
      expect(await untilReady(clockId)).toMatchObject({ status: 'ready', frozen_time: frozenTime });
    }
    console.log(`13 billed months on a test clock took ${Date.now() - started} ms of wall time`);

    const invoices = await db.orm.em
      .fork()
      .find(Invoice, { subscription: String(subscription.id) }, { orderBy: { periodStart: 'asc' } });
    expect(invoices.map((invoice) => invoice.periodStart?.toISOString())).toEqual(periodStarts);
    expect(invoices.map((invoice) => invoice.periodEnd?.toISOString())).toEqual([
      ...periodStarts.slice(1),
      '2028-02-29T09:00:00.000Z',
    ]);
    expect(
      invoices.every((invoice) => invoice.status === 'paid' && invoice.amountPaid === invoice.total),
    ).toBe(true);
    // Numbers are gap-free per year of the seller's calendar, and that year is the clock's: 2027 runs 1–12, 2028 starts at 1.
    const numbers = invoices.map((invoice) =>
      /(\d{4})-(\d+)$/
        .exec(invoice.number ?? '')
        ?.slice(1, 3)
        .join('/'),
    );
    expect(numbers).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `2027/${String(i + 1).padStart(6, '0')}`),
      '2028/000001',
    ]);

    const live = await ok('GET', `/v1/subscriptions/${String(subscription.id)}`);
    expect(live).toMatchObject({
      status: 'active',
      current_period_start: '2028-01-31T09:00:00.000Z',
      current_period_end: '2028-02-29T09:00:00.000Z',
    });
  });

  test('validation: advancing backwards or to the same time names frozen_time; unknown clocks 404; unknown clock on a customer names test_clock_id; no key 401', async () => {
    const clock = await ok('POST', '/v1/test_clocks', { frozen_time: '2030-05-01T00:00:00.000Z' });
    expect(clock).toMatchObject({
      object: 'test_clock',
      name: null,
      status: 'ready',
      frozen_time: '2030-05-01T00:00:00.000Z',
    });
    const id = String(clock.id);
    expect(id).toMatch(/^clock_[a-f0-9]{24}$/);

    for (const frozenTime of ['2030-04-30T23:59:59.000Z', '2030-05-01T00:00:00.000Z']) {
      const backwards = await call('POST', `/v1/test_clocks/${id}/advance`, { frozen_time: frozenTime });
      expect(backwards.status).toBe(400);
      expect(backwards.body.error).toMatchObject({ type: 'invalid_request_error', param: 'frozen_time' });
    }
    const notATime = await call('POST', `/v1/test_clocks/${id}/advance`, { frozen_time: 'tomorrow' });
    expect(notATime.status).toBe(400);
    expect(notATime.body.error).toMatchObject({ param: 'frozen_time' });
    const missing = await call('POST', '/v1/test_clocks', { name: 'no time' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ param: 'frozen_time' });

    const unknown = 'clock_000000000000000000000000';
    for (const [method, path, body] of [
      ['GET', `/v1/test_clocks/${unknown}`, undefined],
      ['POST', `/v1/test_clocks/${unknown}/advance`, { frozen_time: '2031-01-01T00:00:00.000Z' }],
      ['DELETE', `/v1/test_clocks/${unknown}`, undefined],
      ['GET', '/v1/test_clocks/not_a_clock', undefined],
    ] as const) {
      const response = await call(method, path, body);
      expect(response.status).toBe(404);
      expect(response.body.error).toMatchObject({ type: 'not_found', code: 'resource_missing' });
    }

    const orphan = await call('POST', '/v1/customers', {
      email: 'orphan@example.test',
      name: 'Orphan',
      country: 'DE',
      test_clock_id: unknown,
    });
    expect(orphan.status).toBe(400);
    expect(orphan.body.error).toMatchObject({ type: 'invalid_request_error', param: 'test_clock_id' });

    const noKey = await request(app).get(`/v1/test_clocks/${id}`).expect(401);
    expect(noKey.body.error).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });
    await request(app)
      .post(`/v1/test_clocks/${id}/advance`)
      .send({ frozen_time: '2031-01-01T00:00:00.000Z' })
      .expect(401);

    const advanced = await ok('POST', `/v1/test_clocks/${id}/advance`, {
      frozen_time: '2030-06-01T00:00:00.000Z',
    });
    // No subscriptions on it: nothing to wait for.
    expect(await ok('GET', `/v1/test_clocks/${id}`)).toMatchObject({
      status: 'ready',
      frozen_time: advanced.frozen_time,
    });
  });

  test('list pages through live clocks; delete cancels the subscriptions on the clock and the clock then answers as unknown', async () => {
    const { clockId, planId, customer } = await customerOnClock(
      '2029-03-15T12:00:00.000Z',
      'deleted@example.test',
    );
    const subscription = await ok('POST', '/v1/subscriptions', { customer_id: customer.id, plan_id: planId });
    expect(subscription).toMatchObject({
      status: 'active',
      current_period_start: '2029-03-15T12:00:00.000Z',
    });

    const listed = await ok('GET', '/v1/test_clocks?limit=100');
    expect(listed).toMatchObject({ object: 'list', has_more: false });
    expect((listed.data as Body[]).map((clock) => clock.id)).toContain(clockId);
    const firstPage = await ok('GET', '/v1/test_clocks?limit=1');
    expect(firstPage).toMatchObject({ has_more: true, data: [{ object: 'test_clock' }] });
    const secondPage = await ok(
      'GET',
      `/v1/test_clocks?limit=1&starting_after=${String(firstPage.next_cursor)}`,
    );
    expect((secondPage.data as Body[])[0]?.id).not.toBe((firstPage.data as Body[])[0]?.id);

    expect(await ok('DELETE', `/v1/test_clocks/${clockId}`)).toEqual({
      id: clockId,
      object: 'test_clock',
      deleted: true,
    });
    const result = await env.client.workflow.getHandle(`subscription-${String(subscription.id)}`).result();
    expect(result.state.status).toBe('canceled');

    expect((await call('GET', `/v1/test_clocks/${clockId}`)).status).toBe(404);
    const advance = await call('POST', `/v1/test_clocks/${clockId}/advance`, {
      frozen_time: '2029-04-15T12:00:00.000Z',
    });
    expect(advance.status).toBe(404);
    const relisted = await ok('GET', '/v1/test_clocks?limit=100');
    expect((relisted.data as Body[]).map((clock) => clock.id)).not.toContain(clockId);
    const late = await call('POST', '/v1/customers', {
      email: 'late@example.test',
      name: 'Late',
      country: 'DE',
      test_clock_id: clockId,
    });
    expect(late.body.error).toMatchObject({ param: 'test_clock_id' });
  });
});
