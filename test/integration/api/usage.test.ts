import request from 'supertest';
import { Customer, Meter, Plan, PlanPrice, Product, Subscription } from '../../../src/db/entities';
import { countRows, documentedError, startApiHarness, type ApiHarness } from './harness';

describe('usage events API', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function subscription(metered: boolean): Promise<string> {
    const em = harness.db.orm.em.fork();
    const plan = em.create(Plan, {
      product: em.create(Product, { name: 'API' }),
      name: 'Calls',
      intervalUnit: 'month',
      intervalCount: 1,
      pricingModel: 'per_unit',
      meter: metered
        ? em.create(Meter, { name: 'Calls', eventName: `call_${Date.now()}`, aggregation: 'sum' })
        : null,
    });
    em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 5 } });
    const customer = em.create(Customer, { email: 'usage@example.test', name: 'Usage', country: 'DE' });
    const row = em.create(Subscription, {
      customer,
      plan,
      status: 'active',
      currency: 'EUR',
      billingAnchor: new Date('2027-01-01T00:00:00Z'),
      currentPeriodStart: new Date('2027-01-01T00:00:00Z'),
      currentPeriodEnd: new Date('2027-02-01T00:00:00Z'),
      workflowId: `subscription-unused-${metered}-${Date.now()}`,
    });
    await em.flush();
    return row.id;
  }

  const event = (id: string, quantity = 1) => ({
    client_id: id,
    quantity,
    timestamp: '2027-01-05T10:00:00Z',
  });

  test('a batch is stored once per client id: duplicates are acknowledged, not counted again', async () => {
    const id = await subscription(true);
    const first = await request(harness.app)
      .post('/v1/usage_events')
      .set(harness.auth)
      .send({ subscription_id: id, events: [event('a'), event('b', 5), event('a')] })
      .expect(200);
    expect(first.body).toMatchObject({
      object: 'usage_event_batch',
      received: 3,
      inserted: 2,
      duplicates: 1,
    });
    const again = await request(harness.app)
      .post('/v1/usage_events')
      .set(harness.auth)
      .send({ subscription_id: id, events: [event('a'), event('b', 5)] })
      .expect(200);
    expect(again.body).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(await countRows(harness.db, 'usage_events')).toBe(2);
  });

  test('refuses a subscription without a meter (422), an unknown one (404) and a batch over 1000 (400)', async () => {
    const unmetered = await subscription(false);
    const refused = await request(harness.app)
      .post('/v1/usage_events')
      .set(harness.auth)
      .send({ subscription_id: unmetered, events: [event('x')] })
      .expect(422);
    expect(documentedError(refused)).toMatchObject({ code: 'plan_not_metered', param: 'subscription_id' });
    await request(harness.app)
      .post('/v1/usage_events')
      .set(harness.auth)
      .send({ subscription_id: 'sub_000000000000000000000000', events: [event('x')] })
      .expect(404);
    const tooMany = await request(harness.app)
      .post('/v1/usage_events')
      .set(harness.auth)
      .send({ subscription_id: unmetered, events: Array.from({ length: 1001 }, (_, i) => event(`e${i}`)) })
      .expect(400);
    expect(documentedError(tooMany)).toMatchObject({ param: 'events' });
  });
});
