import { Client, ServiceError, type WorkflowClientInterceptor } from '@temporalio/client';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import { reconcileSubscription } from '../../../src/subscriptions/reconcile';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { ClockApi } from '../../support/clock-api';
import { createTestApi } from '../../support/api';

const T0 = '2027-05-01T00:00:00.000Z';

/**
 * A create whose workflow start fails at the Temporal server, or whose answer is lost after the start went through.
 * The faults come from client interceptors around a real dev server: the start is refused before it is sent, or
 * sent and its answer thrown away. What must hold: nothing is left that looks alive when the create failed, and a
 * retry with the same Idempotency-Key never makes a second subscription or a second charge.
 */
describe('creating a subscription when the workflow start fails or its answer is lost', () => {
  let stack: ApiStack;
  let api: ClockApi;
  let plan: string;
  let otherPlan: string;
  let clock: string;
  const conformance: (() => void)[] = [];

  /** The API over a Temporal client with `interceptor`, using the stack's database, worker and API key. */
  async function apiWith(interceptor: WorkflowClientInterceptor): Promise<ClockApi> {
    const client = new Client({
      connection: stack.env.client.connection,
      namespace: stack.env.client.options.namespace,
      interceptors: { workflow: [interceptor] },
    });
    const faulty = await createTestApi(stack.db.orm, client, stack.taskQueue);
    conformance.push(faulty.assertConformant);
    // The stack's key, so a retry through the healthy API is the same caller with the same Idempotency-Key.
    return new ClockApi({ app: faulty.app as Express, auth: stack.auth });
  }

  const unavailable = () => new ServiceError('injected: the Temporal server is unavailable');
  const refusingStarts = () =>
    apiWith({
      startUpdateWithStart: () => Promise.reject(unavailable()),
    });
  const losingAnswers = () =>
    apiWith({
      startUpdateWithStart: async (input, next) => {
        await next(input);
        throw unavailable();
      },
    });
  const refusingEverything = () =>
    apiWith({
      startUpdateWithStart: () => Promise.reject(unavailable()),
      describe: () => Promise.reject(unavailable()),
    });

  const rows = async (sql: string, params: unknown[]) =>
    stack.db.orm.em.getConnection().execute<Record<string, unknown>[]>(sql, params);
  const subscriptionsOf = async (customer: string) =>
    (await rows('select id from subscriptions where customer_id = ?', [customer])).map((row) =>
      String(row.id),
    );
  const chargesOf = async (customer: string) =>
    Number(
      (
        await rows(
          `select count(*)::int as n from payment_attempts a join invoices i on i.id = a.invoice_id
           where i.customer_id = ? and a.status = 'succeeded'`,
          [customer],
        )
      )[0]?.n,
    );
  const timesRedeemed = async (coupon: string) =>
    Number((await rows('select times_redeemed from coupons where id = ?', [coupon]))[0]?.times_redeemed);

  /** A new customer, a new coupon, and a create for both under a fresh Idempotency-Key. */
  async function keyedCreateWithCoupon() {
    const customer = await api.customer(clock);
    const { id, code } = await api.ok('POST', '/v1/coupons', {
      code: `RETRY${randomUUID().slice(0, 8).toUpperCase()}`,
      name: 'Ten off',
      percent_off: 10,
      duration: 'once',
    });
    return {
      customer,
      couponId: String(id),
      body: { customer_id: customer, plan_id: plan, coupon: code },
      key: { 'Idempotency-Key': randomUUID() },
    };
  }

  beforeAll(async () => {
    stack = await startApiStack('create-retries');
    api = new ClockApi(stack);
    await api.seller();
    plan = await api.plan('Monthly beans', { amounts: { EUR: 1900 } });
    otherPlan = await api.plan('Monthly tea', { amounts: { EUR: 1500 } });
    clock = await api.clock(T0);
  });

  afterAll(async () => {
    await stack?.close();
    for (const assertConformant of conformance) assertConformant();
  });

  test('a start the server refused leaves no subscription and gives the coupon back; the retry with the key creates one, charged once', async () => {
    const { customer, couponId, body, key } = await keyedCreateWithCoupon();

    const failed = await (await refusingStarts()).call('POST', '/v1/subscriptions', body, key);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await subscriptionsOf(customer)).toEqual([]);
    expect(await timesRedeemed(couponId)).toBe(0);

    const created = await api.ok('POST', '/v1/subscriptions', body, key);
    expect(created).toMatchObject({ status: 'active', customer_id: customer });
    expect(await subscriptionsOf(customer)).toEqual([created.id]);
    expect(await timesRedeemed(couponId)).toBe(1);
    expect(await chargesOf(customer)).toBe(1);
  });

  test('without a key, a refused start also leaves nothing behind', async () => {
    const customer = await api.customer(clock);
    const failed = await (
      await refusingStarts()
    ).call('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: plan,
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await subscriptionsOf(customer)).toEqual([]);
    expect(await chargesOf(customer)).toBe(0);
  });

  test('a start whose answer was lost: the retry with the key answers with the same subscription, one invoice, one charge; another plan under that key is a 409', async () => {
    const customer = await api.customer(clock);
    const body = { customer_id: customer, plan_id: plan };
    const key = { 'Idempotency-Key': randomUUID() };

    const lost = await (await losingAnswers()).call('POST', '/v1/subscriptions', body, key);
    expect(lost.status).toBeGreaterThanOrEqual(500);
    // The workflow did start and charge: its row stays.
    const [id] = await subscriptionsOf(customer);
    expect(id).toMatch(/^sub_[a-f0-9]{24}$/);

    const retried = await api.ok('POST', '/v1/subscriptions', body, key);
    expect(retried).toMatchObject({ id, status: 'active' });
    expect(await api.invoices(String(id))).toHaveLength(1);
    expect(await chargesOf(customer)).toBe(1);

    const reused = await api.call('POST', '/v1/subscriptions', { ...body, plan_id: otherPlan }, key);
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
    expect(await subscriptionsOf(customer)).toEqual([id]);
  });

  test('when the server cannot say whether it started, the row stays: reconcile never starts it, removes it after an hour, and the keyed retry then creates it once', async () => {
    const { customer, couponId, body, key } = await keyedCreateWithCoupon();

    const failed = await (await refusingEverything()).call('POST', '/v1/subscriptions', body, key);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const [id] = await subscriptionsOf(customer);
    expect(id).toBeDefined();

    const deps = { em: stack.db.orm.em.fork(), client: stack.env.client, taskQueue: stack.taskQueue };
    expect(await reconcileSubscription(deps, String(id))).toMatchObject({ action: 'needs_hand' });
    await rows(`update subscriptions set created_at = now() - interval '2 hours' where id = ?`, [id]);
    expect(await reconcileSubscription({ ...deps, em: stack.db.orm.em.fork() }, String(id))).toMatchObject({
      action: 'removed',
    });
    expect(await subscriptionsOf(customer)).toEqual([]);
    expect(await timesRedeemed(couponId)).toBe(0);
    expect(await chargesOf(customer)).toBe(0);

    const created = await api.ok('POST', '/v1/subscriptions', body, key);
    expect(created).toMatchObject({ id, status: 'active' });
    expect(await chargesOf(customer)).toBe(1);
    expect(await timesRedeemed(couponId)).toBe(1);
  });
});
