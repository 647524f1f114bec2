import { PaymentAttempt } from '../../../src/db/entities';
import { lifecycleWorkflowIdFor } from '../../../src/workflows/lifecycle/messages';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { type Body, ClockApi, linesOf } from '../../support/clock-api';
import { recordChainIfAsked } from '../../support/histories';

/**
 * The item model end to end through the API on test clocks (sandbox card, German customer, 19 % VAT): every amount
 * is computed by hand in the test. April 2027 has 30 days, so half a period is 15 days.
 */
describe('subscription items, fees, interval changes and usage through the API on test clocks', () => {
  let stack: ApiStack;
  let api: ClockApi;

  beforeAll(async () => {
    stack = await startApiStack('items');
    api = new ClockApi(stack);
    await api.seller();
  });

  afterAll(async () => {
    await stack?.close();
  });

  const record = (name: string, subscriptionId: string) =>
    recordChainIfAsked(name, stack.env.client, lifecycleWorkflowIdFor(subscriptionId));

  const T0 = '2027-04-01T00:00:00.000Z';
  const HALF = '2027-04-16T00:00:00.000Z';

  async function usage(subscriptionId: string, meterEvent: string, events: [string, number, string][]) {
    await api.ok('POST', '/v1/usage_events', {
      subscription_id: subscriptionId,
      event_name: meterEvent,
      events: events.map(([client_id, quantity, timestamp]) => ({ client_id, quantity, timestamp })),
    });
  }

  test('a base plan with a setup fee, two add-ons and a metered item: one invoice, one line per item, usage in arrears', async () => {
    const base = await api.plan('Monthly beans', { amounts: { EUR: 1900 }, setup_fees: { EUR: 1000 } });
    const grinder = await api.plan(
      'Grinder service',
      { pricing_model: 'flat', amounts: { EUR: 500 } },
      { add_on: true },
    );
    const seats = await api.plan('Tasting seats', { amounts: { EUR: 300 } }, { add_on: true });
    const meter = await api.ok('POST', '/v1/meters', {
      name: 'Brew log entries',
      event_name: `brew_${Date.now()}`,
      aggregation: 'sum',
      unit_label: 'entries',
    });
    const metered = await api.plan('Brew log', { amounts: { EUR: 5 }, meter_id: meter.id });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);

    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      items: [{ plan_id: base }, { plan_id: grinder }, { plan_id: seats, quantity: 2 }, { plan_id: metered }],
    });
    expect(subscription).toMatchObject({ status: 'active', plan_id: base, interval: 'month' });
    expect(
      (subscription.items as Body[]).map((item) => [item.plan_id, item.quantity, item.amount, item.add_on]),
    ).toEqual([
      [base, 1, 1900, false],
      [grinder, 1, 500, true],
      [seats, 2, 600, true],
      [metered, 1, 0, false],
    ]);
    const id = String(subscription.id);
    const [first] = await api.invoices(id);
    // 19.00 + setup fee 10.00 + 5.00 + 2 × 3.00 = 40.00 net, 7.60 VAT, 47.60; no usage yet (billed in arrears).
    expect(linesOf(first as Body)).toEqual([
      ['subscription', 1900],
      ['setup_fee', 1000],
      ['subscription', 500],
      ['subscription', 600],
    ]);
    expect(first).toMatchObject({ subtotal: 4000, tax_total: 760, total: 4760, status: 'paid' });

    await usage(id, String(meter.event_name), [
      ['e1', 700, '2027-04-03T08:00:00.000Z'],
      ['e2', 500, '2027-04-29T08:00:00.000Z'],
      ['e1', 700, '2027-04-03T08:00:00.000Z'],
      ['e3', 99, '2027-05-02T08:00:00.000Z'],
    ]);
    await api.advance(clock, '2027-04-30T00:00:00.000Z');
    // Up to the clock's time: the May event is still ahead.
    const pending = await api.ok('GET', `/v1/subscriptions/${id}/usage`);
    expect(pending).toMatchObject({ period_start: T0, period_end: '2027-04-30T00:00:00.000Z', total: 6000 });

    await api.advance(clock, '2027-05-01T00:00:00.000Z');
    const renewal = (await api.invoices(id)).find(
      (invoice) => invoice.period_start === '2027-05-01T00:00:00.000Z',
    );
    // No second setup fee; April's 1 200 entries × 0.05 = 60.00: 90.00 net, 17.10 VAT, 107.10.
    expect(linesOf(renewal as Body)).toEqual([
      ['subscription', 1900],
      ['subscription', 500],
      ['subscription', 600],
      ['usage', 6000],
    ]);
    expect(renewal).toMatchObject({ subtotal: 9000, tax_total: 1710, total: 10710, status: 'paid' });
    await record('lifecycle-items-addons-metered', id);
  });

  test('graduated seats 5 → 8 at half period: the preview shows −25.00 + 37.00 and the invoice carries exactly its lines', async () => {
    const plan = await api.plan('Team seats', {
      pricing_model: 'graduated',
      tiers: {
        EUR: [
          { up_to: 5, unit_amount: 1000 },
          { up_to: null, unit_amount: 800 },
        ],
      },
    });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: plan,
      quantity: 5,
    });
    const id = String(subscription.id);
    const itemId = String((subscription.items as Body[])[0]?.id);
    await api.advance(clock, HALF);

    const preview = await api.ok('POST', `/v1/subscriptions/${id}/items/${itemId}/preview`, { quantity: 8 });
    // 5 seats cost 50.00, 8 seats 5 × 10.00 + 3 × 8.00 = 74.00: half of each, not 8 × a unit price.
    expect(preview).toMatchObject({ timing: 'immediately', invoice_now: true, total: 1200 });
    expect((preview.lines as Body[]).map((line) => [line.kind, line.amount])).toEqual([
      ['proration', -2500],
      ['proration', 3700],
    ]);

    const changed = await api.ok('POST', `/v1/subscriptions/${id}/items/${itemId}`, { quantity: 8 });
    expect((changed.items as Body[])[0]).toMatchObject({ id: itemId, quantity: 8, amount: 7400 });
    const change = (await api.invoices(id)).find(
      (invoice) => invoice.billing_reason === 'subscription_update',
    );
    expect(
      (change?.lines as Body[]).map((line) => [line.kind, line.description, line.amount, line.period_start]),
    ).toEqual(
      (preview.lines as Body[]).map((line) => [line.kind, line.description, line.amount, line.period_start]),
    );
    expect(change).toMatchObject({ subtotal: 1200, tax_total: 228, total: 1428, status: 'paid' });

    await api.advance(clock, '2027-05-01T00:00:00.000Z');
    const renewal = (await api.invoices(id)).find(
      (invoice) => invoice.period_start === '2027-05-01T00:00:00.000Z',
    );
    expect(linesOf(renewal as Body)).toEqual([
      ['subscription', 5000],
      ['subscription', 2400],
    ]);
    await record('lifecycle-items-graduated-seats', id);
  });

  test('monthly 10.00 → yearly 100.00 on the 16th: now, the anchor moves, half a month credited, the year billed in full', async () => {
    const monthly = await api.plan('Monthly', { amounts: { EUR: 1000 } });
    const yearly = await api.plan('Yearly', { interval: 'year', amounts: { EUR: 10000 } });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: monthly,
    });
    const id = String(subscription.id);
    await api.advance(clock, HALF);

    const preview = await api.ok('POST', `/v1/subscriptions/${id}/change/preview`, { plan_id: yearly });
    expect(preview).toMatchObject({ timing: 'immediately', invoice_now: true, total: 9500 });
    const changed = await api.ok('POST', `/v1/subscriptions/${id}/change`, { plan_id: yearly });
    expect(changed).toMatchObject({
      interval: 'year',
      billing_cycle_anchor: HALF,
      current_period_start: HALF,
      current_period_end: '2028-04-16T00:00:00.000Z',
    });
    await api.untilReady(clock);
    const invoices = await api.invoices(id);
    const yearInvoice = invoices.find((invoice) => invoice.period_start === HALF);
    expect(linesOf(yearInvoice as Body)).toEqual([
      ['proration', -500],
      ['subscription', 10000],
    ]);
    expect((yearInvoice?.lines as Body[]).map((line) => [line.kind, line.amount])).toEqual(
      (preview.lines as Body[]).map((line) => [line.kind, line.amount]),
    );
    // 95.00 net, 18.05 VAT.
    expect(yearInvoice).toMatchObject({ subtotal: 9500, total: 11305, status: 'paid' });

    await api.advance(clock, '2027-06-01T00:00:00.000Z');
    expect(await api.invoices(id)).toHaveLength(2);
    await record('lifecycle-interval-change', id);
  });

  test('a coupon at creation discounts the first invoice; removing the discount stops it from the next one on', async () => {
    const plan = await api.plan('Beans', { amounts: { EUR: 2000 } });
    const code = `WELCOME${Date.now()}`;
    await api.ok('POST', '/v1/coupons', { code, name: '25 % off', percent_off: 25, duration: 'forever' });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: plan,
      coupon: code,
    });
    const id = String(subscription.id);
    const [couponId] = subscription.coupon_ids as string[];
    const [first] = await api.invoices(id);
    // 20.00 less 25 % = 15.00, + 2.85 VAT.
    expect(first).toMatchObject({ subtotal: 2000, discount_total: 500, total: 1785 });

    await api.ok('DELETE', `/v1/subscriptions/${id}/discounts/${String(couponId)}`);
    await api.advance(clock, '2027-05-01T00:00:00.000Z');
    const renewal = (await api.invoices(id)).find(
      (invoice) => invoice.period_start === '2027-05-01T00:00:00.000Z',
    );
    expect(renewal).toMatchObject({ subtotal: 2000, discount_total: 0, total: 2380 });
  });

  test('an add-on added mid-period is prorated and its setup fee billed once; removing it at period end credits nothing', async () => {
    const base = await api.plan('Beans base', { amounts: { EUR: 3000 } });
    const addOn = await api.plan(
      'Milk frother',
      { amounts: { EUR: 600 }, setup_fees: { EUR: 900 } },
      { add_on: true },
    );
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: base });
    const id = String(subscription.id);
    await api.advance(clock, HALF);

    const preview = await api.ok('POST', `/v1/subscriptions/${id}/items/preview`, { plan_id: addOn });
    expect((preview.lines as Body[]).map((line) => [line.kind, line.amount])).toEqual([
      ['proration', 300],
      ['setup_fee', 900],
    ]);
    const added = await api.ok('POST', `/v1/subscriptions/${id}/items`, { plan_id: addOn });
    const addOnItem = (added.items as Body[]).find((item) => item.plan_id === addOn) as Body;
    expect(addOnItem).toMatchObject({ add_on: true, setup_fee_due: false });

    const removal = await api.ok(
      'POST',
      `/v1/subscriptions/${id}/items/${String(addOnItem.id)}/remove/preview`,
      {},
    );
    expect(removal).toMatchObject({ timing: 'period_end', lines: [] });
    const removed = await api.ok('DELETE', `/v1/subscriptions/${id}/items/${String(addOnItem.id)}`);
    expect((removed.scheduled_change as Body).items).toHaveLength(1);
    await api.advance(clock, '2027-05-01T00:00:00.000Z');
    const renewal = (await api.invoices(id)).find(
      (invoice) => invoice.period_start === '2027-05-01T00:00:00.000Z',
    );
    expect(linesOf(renewal as Body)).toEqual([['subscription', 3000]]);
  });

  test('a metered subscription canceled on the 10th gets a final invoice for the usage of its last, partial period', async () => {
    const meter = await api.ok('POST', '/v1/meters', {
      name: 'Espresso shots',
      event_name: `shot_${Date.now()}`,
      aggregation: 'sum',
      unit_label: 'shots',
    });
    const plan = await api.plan('Shots', { amounts: { EUR: 40 }, meter_id: meter.id });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: plan });
    const id = String(subscription.id);
    await usage(id, String(meter.event_name), [['s1', 120, '2027-04-05T10:00:00.000Z']]);
    await api.advance(clock, '2027-04-10T00:00:00.000Z');

    const canceled = await api.ok('POST', `/v1/subscriptions/${id}/cancel`, { at: 'immediately' });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: '2027-04-10T00:00:00.000Z' });
    const final = (await api.invoices(id)).find(
      (invoice) => invoice.period_end === '2027-04-10T00:00:00.000Z',
    );
    // 120 shots × 0.40 = 48.00 + 9.12 VAT.
    expect(linesOf(final as Body)).toEqual([['usage', 4800]]);
    expect(final).toMatchObject({ total: 5712, status: 'paid' });
  });

  test('under a test clock the invoice is paid at the clock’s time, never the real one', async () => {
    const plan = await api.plan('Clocked', { amounts: { EUR: 1000 } });
    const clock = await api.clock('2027-09-01T00:00:00.000Z');
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: plan });
    await api.advance(clock, '2027-10-01T00:00:00.000Z');
    const invoices = await api.invoices(String(subscription.id));
    expect(invoices.map((invoice) => [invoice.finalized_at, invoice.paid_at])).toEqual([
      ['2027-09-01T00:00:00.000Z', '2027-09-01T00:00:00.000Z'],
      ['2027-10-01T00:00:00.000Z', '2027-10-01T00:00:00.000Z'],
    ]);
  });

  test('a trial whose customer attached a default card (not the subscription’s) is charged with it at the trial end', async () => {
    const plan = await api.plan('Trial beans', { amounts: { EUR: 1900 }, trial_days: 7 });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock, null);
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: plan });
    expect(subscription).toMatchObject({ status: 'trialing', payment_method_id: null });
    await api.ok('POST', `/v1/customers/${customer}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_visa',
    });
    await api.advance(clock, '2027-04-09T00:00:00.000Z');
    const after = await api.subscription(String(subscription.id));
    expect(after).toMatchObject({ status: 'active', current_period_start: '2027-04-08T00:00:00.000Z' });
    expect(
      (await api.invoices(String(subscription.id))).map((invoice) => [invoice.total, invoice.status]),
    ).toEqual([[2261, 'paid']]);
  });

  test('an expired card is not retried on schedule; the customer is reminded, and a new card pays at once', async () => {
    const plan = await api.plan('Hard decline beans', { amounts: { EUR: 1900 }, trial_days: 3 });
    const clock = await api.clock(T0);
    const customer = await api.customer(clock, 'tok_chargeDeclinedExpiredCard');
    const subscription = await api.ok('POST', '/v1/subscriptions', { customer_id: customer, plan_id: plan });
    const id = String(subscription.id);
    await api.advance(clock, '2027-04-04T12:00:00.000Z');
    const pastDue = await api.subscription(id);
    expect(pastDue).toMatchObject({
      status: 'past_due',
      past_due: { failed_attempts: 1, hard_decline: 'expired_card' },
    });
    const invoiceId = String((pastDue.past_due as Body).invoice_id);

    // Days 1 and 3 of the schedule pass: reminders, but no second charge of the expired card.
    await api.advance(clock, '2027-04-08T00:00:00.000Z');
    const em = stack.db.orm.em.fork();
    expect(await em.count(PaymentAttempt, { invoice: invoiceId })).toBe(1);
    expect((await api.subscription(id)).past_due).toMatchObject({ failed_attempts: 3 });

    const card = await api.ok('POST', `/v1/customers/${customer}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_visa',
    });
    const recovered = await api.ok('POST', `/v1/subscriptions/${id}/payment_method`, {
      payment_method_id: card.id,
    });
    expect(recovered).toMatchObject({ status: 'active', past_due: null });
    expect((await api.ok('GET', `/v1/invoices/${invoiceId}`)).status).toBe('paid');
    await record('lifecycle-hard-decline', id);
  });

  test('unpaid recovers: paying its invoice makes it active with a new period from that moment', async () => {
    await api.seller({
      dunning_policy: { retry_offsets_days: [1], notices: ['payment_failed'], final_action: 'unpaid' },
    });
    try {
      const plan = await api.plan('Unpaid beans', { amounts: { EUR: 1900 }, trial_days: 2 });
      const clock = await api.clock(T0);
      const customer = await api.customer(clock, 'tok_chargeDeclinedInsufficientFunds');
      const subscription = await api.ok('POST', '/v1/subscriptions', {
        customer_id: customer,
        plan_id: plan,
      });
      const id = String(subscription.id);
      await api.advance(clock, '2027-04-05T00:00:00.000Z');
      const unpaid = await api.subscription(id);
      expect(unpaid).toMatchObject({ status: 'unpaid', next_action: null });
      const invoiceId = String((unpaid.past_due as Body).invoice_id);
      expect((await api.ok('GET', `/v1/invoices/${invoiceId}`)).status).toBe('uncollectible');

      await api.advance(clock, '2027-04-20T00:00:00.000Z');
      const card = await api.ok('POST', `/v1/customers/${customer}/payment_methods`, {
        gateway: 'sandbox',
        token: 'tok_visa',
      });
      const recovered = await api.ok('POST', `/v1/subscriptions/${id}/payment_method`, {
        payment_method_id: card.id,
      });
      expect(recovered).toMatchObject({
        status: 'active',
        billing_cycle_anchor: '2027-04-20T00:00:00.000Z',
        current_period_start: '2027-04-20T00:00:00.000Z',
        current_period_end: '2027-05-20T00:00:00.000Z',
      });
      await api.untilReady(clock);
      const invoices = await api.invoices(id);
      expect(invoices.map((invoice) => [invoice.period_start, invoice.status])).toEqual([
        ['2027-04-03T00:00:00.000Z', 'paid'],
        ['2027-04-20T00:00:00.000Z', 'paid'],
      ]);
      await record('lifecycle-unpaid-recovery', id);
    } finally {
      await api.seller();
    }
  });
});
