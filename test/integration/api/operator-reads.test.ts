import { randomBytes } from 'node:crypto';
import { appendDomainEvent } from '../../../src/db/services/events';
import { dispatchWebhooks } from '../../../src/webhooks/dispatch';
import { type ApiCall, ok, subscribeThroughApi, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { type Receiver, startReceiver } from '../webhooks/receiver';

type List<T> = { data: T[]; has_more: boolean; next_cursor: string | null };

/** What the console reads besides the resources themselves: search, date and order filters, webhook deliveries. */
describe('API reads and actions behind the operator console', () => {
  let stack: ApiStack;
  let secret: ApiCall;
  let receiver: Receiver | undefined;

  beforeAll(async () => {
    stack = await startApiStack('operator-reads');
    secret = supertestCall(stack.app, stack.auth);
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  test('customers are found by id, by part of the name or email (case-insensitive, wildcards literal), and by test clock', async () => {
    const clock = await ok(secret, 'POST', '/v1/test_clocks', { frozen_time: '2027-01-01T00:00:00.000Z' });
    const erika = await ok(secret, 'POST', '/v1/customers', {
      email: 'erika.search@example.test',
      name: 'Erika Mustermann',
      country: 'DE',
    });
    const percent = await ok(secret, 'POST', '/v1/customers', {
      email: 'percent@example.test',
      name: '100% Kaffee',
      country: 'DE',
      test_clock_id: clock.id,
    });
    const ids = async (query: string) =>
      ((await ok(secret, 'GET', `/v1/customers?${query}`)) as unknown as List<{ id: string }>).data.map(
        (c) => c.id,
      );
    expect(await ids('search=mustermann')).toEqual([erika.id]);
    expect(await ids('search=ERIKA.SEARCH@')).toEqual([erika.id]);
    expect(await ids(`search=${String(erika.id)}`)).toEqual([erika.id]);
    expect(await ids('search=%25')).toEqual([percent.id]);
    expect(await ids(`test_clock_id=${String(clock.id)}`)).toEqual([percent.id]);
    expect(await ids('search=nobody-by-this-name')).toEqual([]);
  });

  test('subscriptions filter by customer, plan and status and page by cursor, each with its customer balance; a cursor outside the filter is refused', async () => {
    const trialing = await subscribeThroughApi(secret, {
      customerEmail: 'lists-a@example.test',
      trialDays: 14,
    });
    const other = await subscribeThroughApi(secret, { customerEmail: 'lists-b@example.test' });
    const second = await ok(secret, 'POST', '/v1/subscriptions', {
      customer_id: trialing.customerId,
      plan_id: other.planId,
    });
    // A balance on one customer only, so each row must carry its own customer's.
    await stack.db.orm.em
      .fork()
      .getConnection()
      .execute(`update customers set balance = 250, balance_currency = 'EUR' where id = ?`, [
        other.customerId,
      ]);
    type Listed = List<{ id: string; customer_id: string; status: string; customer_balance: unknown }>;
    const list = async (query: string) =>
      (await ok(secret, 'GET', `/v1/subscriptions?${query}`)) as unknown as Listed;
    const ids = async (query: string) => (await list(query)).data.map((s) => s.id);

    const mine = `customer_id=${trialing.customerId}`;
    const both = await list(mine);
    expect(both.data.map((s) => s.id)).toEqual([trialing.subscription.id, second.id]);
    expect(both.data.map((s) => [s.customer_id, s.status])).toEqual([
      [trialing.customerId, 'trialing'],
      [trialing.customerId, 'active'],
    ]);
    expect(both.data.map((s) => s.customer_balance)).toEqual([
      { amount: 0, currency: null },
      { amount: 0, currency: null },
    ]);
    expect(await ids(`${mine}&plan_id=${other.planId}`)).toEqual([second.id]);
    expect(await ids(`${mine}&status=trialing`)).toEqual([trialing.subscription.id]);
    const onPlan = await list(`plan_id=${other.planId}`);
    expect(onPlan.data.map((s) => [s.id, s.customer_balance])).toEqual([
      [other.subscription.id, { amount: 250, currency: 'EUR' }],
      [second.id, { amount: 0, currency: null }],
    ]);
    const got = await ok(secret, 'GET', `/v1/subscriptions/${String(other.subscription.id)}`);
    expect(got.customer_balance).toEqual({ amount: 250, currency: 'EUR' });

    const first = await list(`${mine}&limit=1`);
    expect([first.data.map((s) => s.id), first.has_more, first.next_cursor]).toEqual([
      [trialing.subscription.id],
      true,
      trialing.subscription.id,
    ]);
    const rest = await list(`${mine}&limit=1&starting_after=${String(first.next_cursor)}`);
    expect([rest.data.map((s) => s.id), rest.has_more, rest.next_cursor]).toEqual([[second.id], false, null]);

    const outside = await secret(
      'GET',
      `/v1/subscriptions?${mine}&starting_after=${String(other.subscription.id)}`,
    );
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({ error: { code: 'invalid_cursor', param: 'starting_after' } });
  });

  test('invoices filter by creation date and list newest first; events too, with the cursor walking back in time', async () => {
    const { customerId } = await subscribeThroughApi(secret, { customerEmail: 'dates@example.test' });
    const all = (await ok(secret, 'GET', `/v1/invoices?customer_id=${customerId}`)) as unknown as List<{
      id: string;
    }>;
    expect(all.data).toHaveLength(1);
    const now = new Date();
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString();
    const yesterday = new Date(now.getTime() - 86_400_000).toISOString();
    const inRange = async (query: string) =>
      (
        (await ok(secret, 'GET', `/v1/invoices?customer_id=${customerId}&${query}`)) as unknown as List<{
          id: string;
        }>
      ).data.length;
    expect(await inRange(`created_gte=${yesterday}&created_lt=${tomorrow}`)).toBe(1);
    expect(await inRange(`created_gte=${tomorrow}`)).toBe(0);
    expect(await inRange(`created_lt=${yesterday}`)).toBe(0);

    const oldestFirst = (await ok(
      secret,
      'GET',
      `/v1/events?customer_id=${customerId}&limit=100`,
    )) as unknown as List<{
      id: string;
    }>;
    expect(oldestFirst.data.length).toBeGreaterThanOrEqual(2);
    const newestFirst: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await ok(
        secret,
        'GET',
        `/v1/events?customer_id=${customerId}&order=desc&limit=1${cursor ? `&starting_after=${cursor}` : ''}`,
      )) as unknown as List<{ id: string }>;
      newestFirst.push(...page.data.map((event) => event.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(newestFirst).toEqual(oldestFirst.data.map((event) => event.id).reverse());
  });

  test("an endpoint's deliveries list every attempt; a redelivery sends the same event again and continues the log", async () => {
    receiver = await startReceiver(() => 200);
    const endpoint = await ok(secret, 'POST', '/v1/webhook_endpoints', {
      url: receiver.url,
      enabled_events: ['invoice.paid'],
    });
    const { event } = await appendDomainEvent(stack.db.orm.em.fork(), {
      key: `test:${randomBytes(6).toString('hex')}`,
      type: 'invoice.paid',
      data: { invoiceId: 'in_1' },
      occurredAt: '2027-03-01T12:00:00.000Z',
    });
    await dispatchWebhooks({ orm: stack.db.orm, client: stack.env.client, taskQueue: stack.taskQueue }, [
      event.id,
    ]);
    type Delivery = {
      id: string;
      status: string;
      attempts: number;
      attempt_log: { attempt: number; status: string }[];
    };
    const settled = async (): Promise<Delivery> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const list = (await ok(
          secret,
          'GET',
          `/v1/webhook_endpoints/${String(endpoint.id)}/deliveries`,
        )) as unknown as List<Delivery>;
        const delivery = list.data[0];
        if (delivery && delivery.status !== 'pending') return delivery;
        if (Date.now() > deadline) throw new Error('delivery did not settle');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const first = await settled();
    expect(first).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      attempt_log: [{ attempt: 1, status: 'succeeded' }],
    });

    const redelivered = await secret('POST', `/v1/webhook_deliveries/${first.id}/redeliver`, {});
    expect(redelivered).toMatchObject({ status: 200, body: { id: first.id, event_id: event.id } });
    const second = await settled();
    expect(second.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, status: 'succeeded' }),
      expect.objectContaining({ attempt: 2, status: 'succeeded' }),
    ]);
    expect(receiver.requests.map((request) => (JSON.parse(request.rawBody) as { id: string }).id)).toEqual([
      event.id,
      event.id,
    ]);
    const unknown = await secret(
      'POST',
      '/v1/webhook_deliveries/00000000-0000-4000-8000-000000000000/redeliver',
      {},
    );
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });
});
