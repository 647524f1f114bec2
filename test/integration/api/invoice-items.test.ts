import request from 'supertest';
import {
  deletedInvoiceItemSchema,
  invoiceItemListSchema,
  invoiceItemResponseSchema,
} from '../../../src/api/schemas/invoice-items';
import { createdInvoiceResponseSchema } from '../../../src/api/schemas/invoices';
import { Customer, Plan, PlanPrice, Product, Subscription } from '../../../src/db/entities';
import { address, countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

/** Invoice items through the API; nothing here reaches Temporal. */
describe('invoice items API', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness();
    await request(harness.app)
      .put('/v1/settings')
      .set(harness.auth)
      .send({ name: 'Rösterei', address, country: 'DE', vat_id: 'DE123456789', default_currency: 'EUR' })
      .expect(200);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    request(harness.app).post(path).set(harness.auth).set(headers).send(body);
  const get = (path: string) => request(harness.app).get(path).set(harness.auth);
  const del = (path: string) => request(harness.app).delete(path).set(harness.auth);

  async function customer(email: string): Promise<string> {
    const created = await post('/v1/customers', { email, name: 'Erika', country: 'DE' }).expect(201);
    return String(created.body.id);
  }

  /** A subscription row of the customer, in EUR; no workflow runs for it in these tests. */
  async function subscriptionOf(customerId: string): Promise<string> {
    const em = harness.db.orm.em.fork();
    const plan = em.create(Plan, {
      product: em.create(Product, { name: 'Beans' }),
      name: 'Monthly',
      intervalUnit: 'month',
      intervalCount: 1,
      pricingModel: 'flat',
    });
    em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'flat', amount: 1900 } });
    const row = em.create(Subscription, {
      customer: em.getReference(Customer, customerId),
      plan,
      status: 'active',
      currency: 'EUR',
      billingAnchor: new Date('2027-01-01T00:00:00Z'),
      currentPeriodStart: new Date('2027-01-01T00:00:00Z'),
      currentPeriodEnd: new Date('2027-02-01T00:00:00Z'),
      workflowId: `subscription-items-${Date.now()}`,
    });
    await em.flush();
    return row.id;
  }

  test('a charge and a credit are created pending, listed per customer and retrieved', async () => {
    const cid = await customer('items@example.test');
    const sid = await subscriptionOf(cid);
    const charge = documented(
      invoiceItemResponseSchema,
      await post('/v1/invoice_items', {
        customer_id: cid,
        currency: 'EUR',
        amount: 2500,
        description: 'Grinder rental',
      }).expect(201),
    );
    const credit = documented(
      invoiceItemResponseSchema,
      await post('/v1/invoice_items', {
        customer_id: cid,
        subscription_id: sid,
        currency: 'EUR',
        amount: -1400,
        quantity: 2,
        unit_amount: -700,
        description: 'Late deliveries',
        period: { start: '2027-01-01T00:00:00Z', end: '2027-02-01T00:00:00Z' },
      }).expect(201),
    );

    expect(charge).toMatchObject({
      object: 'invoice_item',
      customer_id: cid,
      subscription_id: null,
      invoice_id: null,
      pending: true,
      kind: 'one_off',
      amount: 2500,
      quantity: 1,
      unit_amount: null,
      period: null,
    });
    expect(credit).toMatchObject({
      subscription_id: sid,
      amount: -1400,
      quantity: 2,
      unit_amount: -700,
      period: { start: '2027-01-01T00:00:00.000Z', end: '2027-02-01T00:00:00.000Z' },
    });
    const listed = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?customer_id=${cid}`).expect(200),
    );
    expect(listed.data.map((item) => item.id)).toEqual([charge.id, credit.id]);
    expect(
      documented(invoiceItemResponseSchema, await get(`/v1/invoice_items/${credit.id}`).expect(200)),
    ).toEqual(credit);
    await get('/v1/invoice_items/ii_000000000000000000000000').expect(404);
  });

  test('refuses a zero or out-of-bounds amount, an amount that is not unit_amount × quantity and a reversed period, naming the field', async () => {
    const cid = await customer('bad-items@example.test');
    const base = { customer_id: cid, currency: 'EUR', amount: 500, description: 'Item' };
    const refused = async (body: object, param: string) => {
      const response = await post('/v1/invoice_items', body).expect(400);
      expect(documentedError(response)).toMatchObject({ type: 'invalid_request_error', param });
    };
    await refused({ ...base, amount: 0 }, 'amount');
    await refused({ ...base, amount: 1_000_000_000_001 }, 'amount');
    await refused({ ...base, amount: -1_000_000_000_001 }, 'amount');
    await refused({ ...base, amount: 12.5 }, 'amount');
    await refused({ ...base, quantity: 3, unit_amount: 200 }, 'amount');
    await refused(
      { ...base, period: { start: '2027-02-01T00:00:00Z', end: '2027-01-01T00:00:00Z' } },
      'period.end',
    );
    await refused({ ...base, currency: 'XXX' }, 'currency');
    // The bounds themselves are accepted.
    await post('/v1/invoice_items', { ...base, amount: 1_000_000_000_000 }).expect(201);
    await post('/v1/invoice_items', { ...base, amount: -1_000_000_000_000 }).expect(201);
    expect(await countRows(harness.db, 'invoice_items')).toBeGreaterThanOrEqual(2);
  });

  test("refuses an unknown customer, another customer's subscription and a currency other than the subscription's", async () => {
    const mine = await customer('mine@example.test');
    const theirs = await customer('theirs@example.test');
    const theirSubscription = await subscriptionOf(theirs);
    const mySubscription = await subscriptionOf(mine);
    const base = { customer_id: mine, currency: 'EUR', amount: 500, description: 'Item' };
    const before = await countRows(harness.db, 'invoice_items');

    const unknown = await post('/v1/invoice_items', {
      ...base,
      customer_id: 'cus_000000000000000000000000',
    }).expect(400);
    expect(documentedError(unknown)).toMatchObject({ code: 'resource_missing', param: 'customer_id' });
    const foreign = await post('/v1/invoice_items', { ...base, subscription_id: theirSubscription }).expect(
      400,
    );
    expect(documentedError(foreign)).toMatchObject({ code: 'resource_missing', param: 'subscription_id' });
    const currency = await post('/v1/invoice_items', {
      ...base,
      subscription_id: mySubscription,
      currency: 'USD',
    }).expect(422);
    expect(documentedError(currency)).toMatchObject({ code: 'currency_mismatch', param: 'currency' });
    expect(await countRows(harness.db, 'invoice_items')).toBe(before);
  });

  test('a pending item can be deleted; one billed on an invoice cannot (409) and shows its invoice', async () => {
    const cid = await customer('delete@example.test');
    const billed = documented(
      invoiceItemResponseSchema,
      await post('/v1/invoice_items', {
        customer_id: cid,
        currency: 'EUR',
        amount: 900,
        description: 'Billed',
      }).expect(201),
    );
    const invoice = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', { customer_id: cid, currency: 'EUR' }).expect(201),
    );
    const pending = documented(
      invoiceItemResponseSchema,
      await post('/v1/invoice_items', {
        customer_id: cid,
        currency: 'EUR',
        amount: 300,
        description: 'Later',
      }).expect(201),
    );

    const refused = await del(`/v1/invoice_items/${billed.id}`).expect(409);
    expect(documentedError(refused)).toMatchObject({ type: 'conflict', code: 'invoice_item_billed' });
    expect(
      documented(deletedInvoiceItemSchema, await del(`/v1/invoice_items/${pending.id}`).expect(200)),
    ).toEqual({
      id: pending.id,
      object: 'invoice_item',
      deleted: true,
    });
    await get(`/v1/invoice_items/${pending.id}`).expect(404);
    await del(`/v1/invoice_items/${pending.id}`).expect(404);

    const billedList = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?customer_id=${cid}&pending=false`).expect(200),
    );
    expect(billedList.data).toEqual([
      expect.objectContaining({ id: billed.id, invoice_id: invoice.id, pending: false }),
    ]);
    const pendingList = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?customer_id=${cid}&pending=true`).expect(200),
    );
    expect(pendingList.data).toEqual([]);
    const byInvoice = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?invoice_id=${invoice.id}`).expect(200),
    );
    expect(byInvoice.data.map((item) => item.id)).toEqual([billed.id]);
  });

  test('one Idempotency-Key creates one item, also after its stored answer is gone; reused for another item it is a 409', async () => {
    const cid = await customer('idem-items@example.test');
    const body = { customer_id: cid, currency: 'EUR', amount: 4200, description: 'Workshop' };
    const key = { 'Idempotency-Key': 'item-workshop-1' };
    const first = await post('/v1/invoice_items', body, key).expect(201);
    const replay = await post('/v1/invoice_items', body, key).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await harness.db.orm.em.getConnection().execute('delete from idempotency_records');
    const rerun = await post('/v1/invoice_items', body, key).expect(201);

    expect(rerun.headers['idempotent-replayed']).toBeUndefined();
    expect(new Set([first.body.id, replay.body.id, rerun.body.id])).toEqual(new Set([first.body.id]));
    const listed = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?customer_id=${cid}`).expect(200),
    );
    expect(listed.data).toHaveLength(1);

    await harness.db.orm.em.getConnection().execute('delete from idempotency_records');
    const reused = await post('/v1/invoice_items', { ...body, amount: 1 }, key).expect(409);
    expect(documentedError(reused)).toMatchObject({
      code: 'idempotency_key_reused',
      param: 'Idempotency-Key',
    });
  });
});
