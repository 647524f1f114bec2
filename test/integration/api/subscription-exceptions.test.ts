import request from 'supertest';
import { DomainEvent, PlanPrice } from '../../../src/db/entities';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { type Body, ClockApi, linesOf } from '../../support/clock-api';

/**
 * What happens to a subscription outside its plain path, through the API on test clocks: a chargeback the customer
 * loses puts the subscription back into dunning, and data the billing rules refuse stops it visibly instead of
 * retrying for ever.
 */
describe('subscriptions after a lost dispute and on data that cannot be billed', () => {
  let stack: ApiStack;
  let api: ClockApi;
  const SELLER = 'owner@roesterei.example';

  beforeAll(async () => {
    stack = await startApiStack('exceptions');
    api = new ClockApi(stack);
    await api.seller({ notification_email: SELLER, notification_locale: 'en' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  test('a lost dispute reopens the invoice, the subscription is collected by dunning again, and the fee waits on the next invoice', async () => {
    const plan = await api.plan('Disputed beans', { amounts: { EUR: 2000 } });
    const clock = await api.clock('2027-08-01T00:00:00.000Z');
    const customer = await api.customer(clock, 'tok_chargeDispute');
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: plan });
    const id = String(subscription.id);
    const [invoice] = await api.invoices(id);
    const payments = await api.ok('GET', `/v1/payments?invoice_id=${String(invoice?.id)}&status=succeeded`);
    const chargeId = String(((payments.data as Body[])[0]?.outcome as Body).charge_id);

    const receive = async (delivery: { rawBody: string; headers: Record<string, string> }) => {
      const response = await request(stack.app)
        .post('/v1/gateway_webhooks/sandbox')
        .set(delivery.headers)
        .send(delivery.rawBody);
      expect(response.status).toBe(200);
    };
    await receive(await stack.gateway.emitDispute(chargeId));
    await receive(await stack.gateway.emitDisputeUpdate(chargeId, 'under_review', { fee: 1500 }));
    await receive(await stack.gateway.emitDisputeClosed(chargeId, 'lost'));

    const deadline = Date.now() + 30_000;
    let pastDue = await api.subscription(id);
    while (pastDue.status !== 'past_due' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pastDue = await api.subscription(id);
    }
    expect(pastDue).toMatchObject({
      status: 'past_due',
      past_due: { invoice_id: invoice?.id, failed_attempts: 1 },
    });
    expect((await api.ok('GET', `/v1/invoices/${String(invoice?.id)}`)).status).toBe('open');

    // The card itself is fine: the first retry, a day later, collects the invoice again.
    await api.advance(clock, '2027-08-03T00:00:00.000Z');
    expect(await api.subscription(id)).toMatchObject({ status: 'active', past_due: null });
    expect((await api.ok('GET', `/v1/invoices/${String(invoice?.id)}`)).status).toBe('paid');

    await api.advance(clock, '2027-09-01T00:00:00.000Z');
    const renewal = (await api.invoices(id)).find((row) => row.period_start === '2027-09-01T00:00:00.000Z');
    expect(linesOf(renewal as Body)).toEqual([
      ['subscription', 2000],
      ['dispute_fee', 1500],
    ]);
  });

  test('a renewal that meets a price no invoice can hold stops visibly: needs attention, an event, a seller email, a metric; after the fix, retry renews', async () => {
    const plan = await api.plan('Fragile beans', { amounts: { EUR: 1000 } });
    const clock = await api.clock('2027-08-01T00:00:00.000Z');
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: plan,
      quantity: 3,
    });
    const id = String(subscription.id);
    // A price written behind the API's back (an import, a manual fix): 3 × (2^53 − 1) cannot be an amount.
    const em = stack.db.orm.em.fork();
    await em.nativeUpdate(
      PlanPrice,
      { plan },
      { scheme: { model: 'per_unit', unitAmount: Number.MAX_SAFE_INTEGER } },
    );

    await api.advance(clock, '2027-09-01T00:00:00.000Z');
    const stuck = await api.subscription(id);
    expect(stuck).toMatchObject({
      status: 'active',
      needs_attention: { code: 'BillingDataError', since: '2027-09-01T00:00:00.000Z' },
      next_action: null,
    });
    expect(String((stuck.needs_attention as Body).message)).toMatch(/^invalid_amount/);
    expect(await api.invoices(id)).toHaveLength(1);
    expect(
      await stack.db.orm.em
        .fork()
        .count(DomainEvent, { subscriptionId: id, type: 'subscription.needs_attention' }),
    ).toBe(1);
    const toSeller = () =>
      stack.catcher.messages().filter((message) => message.subject === `Subscription ${id} needs attention`);
    for (let wait = 0; wait < 100 && toSeller().length === 0; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(toSeller().map((message) => message.envelopeTo)).toEqual([[SELLER]]);
    const metrics = await request(stack.app).get('/metrics').set(stack.auth);
    expect(metrics.text).toMatch(/^perennial_subscriptions_needing_attention 1$/m);

    // A further advance does not retry it: it waits for the operator.
    await api.advance(clock, '2027-09-05T00:00:00.000Z');
    expect(await api.invoices(id)).toHaveLength(1);

    await em.nativeUpdate(PlanPrice, { plan }, { scheme: { model: 'per_unit', unitAmount: 1000 } });
    const retried = await api.ok('POST', `/v1/subscriptions/${id}/retry`, {});
    expect(retried).toMatchObject({ needs_attention: null });
    await api.untilReady(clock);
    const renewed = await api.subscription(id);
    expect(renewed).toMatchObject({
      needs_attention: null,
      current_period_start: '2027-09-01T00:00:00.000Z',
    });
    expect((await api.invoices(id)).map((row) => [row.period_start, row.total, row.status])).toEqual([
      ['2027-08-01T00:00:00.000Z', 3570, 'paid'],
      ['2027-09-01T00:00:00.000Z', 3570, 'paid'],
    ]);
  });
});
