import { invoiceListSchema } from '../../../src/api/schemas/invoices';
import {
  changePreviewResponseSchema,
  subscriptionResponseSchema,
} from '../../../src/api/schemas/subscriptions';
import { type ApiCall, customerWithCard, ok as expectOk, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { countRows } from './harness';

type Body = Record<string, unknown>;

describe('plan changes through the API: preview, then the change itself', () => {
  let stack: ApiStack;
  let call: ApiCall;

  beforeAll(async () => {
    stack = await startApiStack('change');
    call = supertestCall(stack.app, stack.auth);
    await ok('PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      default_currency: 'EUR',
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const ok = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Body> =>
    expectOk(call, method, path, body);

  async function advance(clockId: string, frozenTime: string): Promise<void> {
    await ok('POST', `/v1/test_clocks/${clockId}/advance`, { frozen_time: frozenTime });
    const deadline = Date.now() + 60_000;
    while ((await ok('GET', `/v1/test_clocks/${clockId}`)).status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`test clock ${clockId} did not catch up`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A monthly subscription on a test clock started 2031-03-01, with a cheaper and a dearer plan beside it. */
  async function subscribedOnClock(email: string) {
    const clock = await ok('POST', '/v1/test_clocks', { frozen_time: '2031-03-01T00:00:00.000Z' });
    const product = await ok('POST', '/v1/products', { name: 'Beans' });
    const plan = (name: string, amount: number) =>
      ok('POST', '/v1/plans', {
        product_id: product.id,
        name,
        interval: 'month',
        amounts: { EUR: amount },
      });
    const basic = await plan('Basic', 1900);
    const premium = await plan('Premium', 4900);
    const customer = await customerWithCard(call, {
      email,
      name: 'Wechsel Kunde',
      locale: 'de',
      country: 'DE',
      test_clock_id: clock.id,
    });
    const subscription = await ok('POST', '/v1/subscriptions', {
      customer_id: customer.id,
      plan_id: basic.id,
    });
    return {
      clockId: String(clock.id),
      basicId: String(basic.id),
      premiumId: String(premium.id),
      subscriptionId: String(subscription.id),
    };
  }

  test('an upgrade previewed mid-period shows the two proration lines to the second; the change without timing applies at once and invoices exactly those lines', async () => {
    const { clockId, basicId, premiumId, subscriptionId } = await subscribedOnClock('upgrade@example.test');
    // 2031-03-11 is 10 of the 31 days of March: 21/31 of 1900 is 1287.1 (credited), of 4900 3319.4 (charged).
    await advance(clockId, '2031-03-11T00:00:00.000Z');
    const invoicesBefore = await countRows(stack.db, 'invoices');
    const eventsBefore = await countRows(stack.db, 'events');

    const preview = changePreviewResponseSchema.parse(
      await ok('POST', `/v1/subscriptions/${subscriptionId}/change/preview`, { plan_id: premiumId }),
    );
    const itemId = preview.items[0]?.id;
    expect(preview).toEqual({
      object: 'subscription_change_preview',
      subscription_id: subscriptionId,
      plan_id: premiumId,
      quantity: 1,
      items: [expect.objectContaining({ id: itemId, plan_id: premiumId, amount: 4900 })],
      currency: 'EUR',
      timing: 'immediately',
      proration_behavior: 'always_invoice',
      effective_at: '2031-03-11T00:00:00.000Z',
      invoice_now: true,
      lines: [
        {
          kind: 'proration',
          description: 'Unused time on Basic',
          amount: -1287,
          quantity: 1,
          item_id: itemId,
          period_start: '2031-03-11T00:00:00.000Z',
          period_end: '2031-04-01T00:00:00.000Z',
        },
        {
          kind: 'proration',
          description: 'Remaining time on Premium',
          amount: 3319,
          quantity: 1,
          item_id: itemId,
          period_start: '2031-03-11T00:00:00.000Z',
          period_end: '2031-04-01T00:00:00.000Z',
        },
      ],
      total: 3319 - 1287,
    });
    // A preview writes nothing and changes nothing.
    expect(await countRows(stack.db, 'invoices')).toBe(invoicesBefore);
    expect(await countRows(stack.db, 'events')).toBe(eventsBefore);
    expect(
      subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${subscriptionId}`)).plan_id,
    ).toBe(basicId);

    const changed = subscriptionResponseSchema.parse(
      await ok('POST', `/v1/subscriptions/${subscriptionId}/change`, { plan_id: premiumId }),
    );
    expect(changed).toMatchObject({ plan_id: premiumId, status: 'active' });
    const invoices = invoiceListSchema.parse(
      await ok('GET', `/v1/invoices?subscription_id=${subscriptionId}`),
    );
    const proration = invoices.data.filter((invoice) => invoice.billing_reason === 'subscription_update');
    expect(proration).toHaveLength(1);
    expect(proration[0]?.status).toBe('paid');
    expect(
      proration[0]?.lines.map((line) => ({
        kind: line.kind,
        description: line.description,
        amount: line.amount,
        quantity: line.quantity,
        item_id: line.item_id,
        period_start: line.period_start,
        period_end: line.period_end,
      })),
    ).toEqual(preview.lines);
  });

  test('a downgrade defaults to the period end with no lines and is scheduled; bad input names the field; unknown ids are 404', async () => {
    const { clockId, basicId, premiumId, subscriptionId } = await subscribedOnClock('downgrade@example.test');
    await ok('POST', `/v1/subscriptions/${subscriptionId}/change`, {
      plan_id: premiumId,
      timing: 'immediately',
    });
    await advance(clockId, '2031-03-20T00:00:00.000Z');

    const preview = changePreviewResponseSchema.parse(
      await ok('POST', `/v1/subscriptions/${subscriptionId}/change/preview`, { plan_id: basicId }),
    );
    expect(preview).toMatchObject({
      timing: 'period_end',
      effective_at: '2031-04-01T00:00:00.000Z',
      invoice_now: false,
      lines: [],
      total: 0,
    });
    const scheduled = await ok('POST', `/v1/subscriptions/${subscriptionId}/change`, { plan_id: basicId });
    expect(scheduled).toMatchObject({ plan_id: premiumId });
    expect(scheduled.scheduled_change).toMatchObject({ plan_id: basicId });

    const invalid = await call('POST', `/v1/subscriptions/${subscriptionId}/change/preview`, { quantity: 0 });
    expect(invalid).toMatchObject({ status: 400, body: { error: { param: 'quantity' } } });
    const unknownPlan = await call('POST', `/v1/subscriptions/${subscriptionId}/change/preview`, {
      plan_id: 'plan_000000000000000000000000',
    });
    expect(unknownPlan).toMatchObject({ status: 404, body: { error: { param: 'plan_id' } } });
    const unknown = await call('POST', '/v1/subscriptions/sub_000000000000000000000000/change/preview', {
      quantity: 2,
    });
    expect(unknown.status).toBe(404);
  });
});
