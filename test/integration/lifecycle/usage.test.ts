import {
  Invoice,
  InvoiceLine,
  Meter,
  PaymentAttempt,
  Plan,
  PlanPrice,
  Product,
} from '../../../src/db/entities';
import { ingestUsageEvents } from '../../../src/db/services';
import {
  advanceClock,
  type LifecycleHarness,
  seedCustomer,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

describe('lifecycle: usage billed in arrears', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  test("the invoice opening February bills January's usage once per client id, and nothing used is nothing charged", async () => {
    const em = harness.db.orm.em.fork();
    const meter = em.create(Meter, { name: 'API calls', eventName: 'api_call', aggregation: 'sum' });
    const plan = em.create(Plan, {
      product: em.create(Product, { name: 'API' }),
      name: 'Pay as you go',
      intervalUnit: 'month',
      intervalCount: 1,
      pricingModel: 'per_unit',
      meter,
    });
    em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 5 } });
    await em.flush();
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-01-01T00:00:00.000Z',
    });
    await settled(harness, subscriptionId, '2027-01-01T00:00:00.000Z');

    const ingested = await ingestUsageEvents(harness.db.orm.em.fork(), {
      subscriptionId,
      meterId: meter.id,
      records: [
        { clientId: 'req-1', quantity: 1200, occurredAt: '2027-01-05T10:00:00.000Z' },
        { clientId: 'req-2', quantity: 800, occurredAt: '2027-01-31T23:59:59.000Z' },
        { clientId: 'req-1', quantity: 1200, occurredAt: '2027-01-05T10:00:00.000Z' },
        { clientId: 'req-3', quantity: 500, occurredAt: '2027-02-01T00:00:00.000Z' },
      ],
    });
    expect(ingested).toMatchObject({ inserted: 3, duplicates: 1 });

    await advanceClock(harness, subscriptionId, '2027-02-01T00:00:00.000Z');
    const invoices = await harness.db.orm.em
      .fork()
      .find(Invoice, { subscription: subscriptionId }, { orderBy: { periodIndex: 'asc' } });
    // January opened with nothing used: a zero invoice, paid without a charge.
    expect(invoices.map((invoice) => [invoice.periodIndex, invoice.total, invoice.status])).toEqual([
      [0, 0, 'paid'],
      [1, 11900, 'paid'], // 2 000 calls × 0.05 EUR = 100.00, + 19 % VAT
    ]);
    const lines = await harness.db.orm.em.fork().find(InvoiceLine, { invoice: invoices[1]!.id });
    expect(
      lines.map((line) => [line.kind, line.quantity, line.amount, line.periodStart?.toISOString()]),
    ).toEqual([['usage', 2000, 10000, '2027-01-01T00:00:00.000Z']]);
    expect(await harness.db.orm.em.fork().count(PaymentAttempt, { invoice: invoices[0]!.id })).toBe(0);
  });
});
