import request from 'supertest';
import { meterListSchema, meterResponseSchema } from '../../../src/api/schemas/meters';
import { Customer, Subscription } from '../../../src/db/entities';
import { usageForPeriod } from '../../../src/db/services';
import { countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

/** Meters through the API, and what archiving one does to plans and usage; nothing here reaches Temporal. */
describe('meters API', () => {
  let harness: ApiHarness;
  let productId: string;

  beforeAll(async () => {
    harness = await startApiHarness();
    productId = String((await post('/v1/products', { name: 'API access' }).expect(201)).body.id);
  });

  afterAll(async () => {
    await harness?.close();
  });

  function post(path: string, body: object) {
    return request(harness.app).post(path).set(harness.auth).send(body);
  }
  const get = (path: string) => request(harness.app).get(path).set(harness.auth);

  const meteredPlan = (meterId: string) =>
    post('/v1/plans', {
      product_id: productId,
      name: 'Pay per call',
      interval: 'month',
      amounts: { EUR: 2 },
      meter_id: meterId,
    });

  /** A subscription row on a metered plan; no workflow runs for it here. */
  async function subscriptionOn(planId: string): Promise<string> {
    const em = harness.db.orm.em.fork();
    const customer = em.create(Customer, { email: 'metered@example.test', name: 'Metered', country: 'DE' });
    const row = em.create(Subscription, {
      customer,
      plan: planId,
      status: 'active',
      currency: 'EUR',
      billingAnchor: new Date('2027-01-01T00:00:00Z'),
      currentPeriodStart: new Date('2027-01-01T00:00:00Z'),
      currentPeriodEnd: new Date('2027-02-01T00:00:00Z'),
      workflowId: `subscription-meters-${Date.now()}`,
    });
    await em.flush();
    return row.id;
  }

  test('create, retrieve and list meters; an event name is taken once', async () => {
    const created = documented(
      meterResponseSchema,
      await post('/v1/meters', {
        name: 'API calls',
        event_name: 'api.call',
        aggregation: 'sum',
        unit_label: 'calls',
      }).expect(201),
    );
    expect(created).toMatchObject({
      object: 'meter',
      name: 'API calls',
      event_name: 'api.call',
      aggregation: 'sum',
      unit_label: 'calls',
      archived: false,
      archived_at: null,
    });
    expect(created.id).toMatch(/^mtr_[0-9a-f]{24}$/);
    const seats = documented(
      meterResponseSchema,
      await post('/v1/meters', {
        name: 'Active users',
        event_name: 'user.active',
        aggregation: 'unique_count',
      }).expect(201),
    );
    expect(seats.unit_label).toBeNull();

    expect(documented(meterResponseSchema, await get(`/v1/meters/${created.id}`).expect(200))).toEqual(
      created,
    );
    const listed = documented(meterListSchema, await get('/v1/meters').expect(200));
    expect(listed.data.map((meter) => meter.id)).toEqual([created.id, seats.id]);
    const taken = await post('/v1/meters', {
      name: 'Again',
      event_name: 'api.call',
      aggregation: 'max',
    }).expect(409);
    expect(documentedError(taken)).toMatchObject({ code: 'meter_event_name_taken', param: 'event_name' });
    const badName = await post('/v1/meters', {
      name: 'Bad',
      event_name: 'with space',
      aggregation: 'sum',
    }).expect(400);
    expect(documentedError(badName)).toMatchObject({ param: 'event_name' });
    await get('/v1/meters/mtr_000000000000000000000000').expect(404);
  });

  test('an archived meter takes no new plans and no new usage, and still counts the usage recorded before', async () => {
    const meter = documented(
      meterResponseSchema,
      await post('/v1/meters', {
        name: 'Storage',
        event_name: 'storage.gb',
        aggregation: 'max',
        unit_label: 'GB',
      }).expect(201),
    );
    const plan = await meteredPlan(meter.id).expect(201);
    expect(plan.body).toMatchObject({ meter_id: meter.id });
    const subscriptionId = await subscriptionOn(String(plan.body.id));
    await post('/v1/usage_events', {
      subscription_id: subscriptionId,
      events: [
        { client_id: 'a', quantity: 7, timestamp: '2027-01-05T10:00:00Z' },
        { client_id: 'b', quantity: 12, timestamp: '2027-01-20T10:00:00Z' },
      ],
    }).expect(200);

    const archived = documented(
      meterResponseSchema,
      await post(`/v1/meters/${meter.id}/archive`, {}).expect(200),
    );
    expect(archived).toMatchObject({ id: meter.id, archived: true });
    expect(archived.archived_at).not.toBeNull();
    const again = documented(
      meterResponseSchema,
      await post(`/v1/meters/${meter.id}/archive`, {}).expect(200),
    );
    expect(again.archived_at).toBe(archived.archived_at);

    const refusedPlan = await meteredPlan(meter.id).expect(422);
    expect(documentedError(refusedPlan)).toMatchObject({ code: 'meter_archived', param: 'meter_id' });
    const usageBefore = await countRows(harness.db, 'usage_events');
    const refusedUsage = await post('/v1/usage_events', {
      subscription_id: subscriptionId,
      events: [{ client_id: 'c', quantity: 99, timestamp: '2027-01-25T10:00:00Z' }],
    }).expect(422);
    expect(documentedError(refusedUsage)).toMatchObject({ code: 'meter_archived', param: 'subscription_id' });
    expect(await countRows(harness.db, 'usage_events')).toBe(usageBefore);

    // What a renewal of January would bill: the largest reading before the archive, 12 GB.
    const quantity = await usageForPeriod(harness.db.orm.em.fork(), {
      subscriptionId,
      meterId: meter.id,
      start: '2027-01-01T00:00:00Z',
      end: '2027-02-01T00:00:00Z',
    });
    expect(quantity).toBe(12);

    const archivedOnly = documented(meterListSchema, await get('/v1/meters?archived=true').expect(200));
    expect(archivedOnly.data.map((row) => row.id)).toEqual([meter.id]);
    const active = documented(meterListSchema, await get('/v1/meters?archived=false').expect(200));
    expect(active.data.map((row) => row.id)).not.toContain(meter.id);
    await post('/v1/meters/mtr_000000000000000000000000/archive', {}).expect(404);
  });
});
