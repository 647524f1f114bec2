import request from 'supertest';
import {
  customerListSchema,
  customerResponseSchema,
  paymentMethodListSchema,
  paymentMethodResponseSchema,
} from '../../../src/api/schemas/customers';
import { address, countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

describe('customers and payment methods API', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const createCustomer = async (fields: Record<string, unknown> = {}) =>
    documented(
      customerResponseSchema,
      await request(h.app)
        .post('/v1/customers')
        .set(h.auth)
        .send({ email: 'ada@example.test', name: 'Ada', country: 'DE', ...fields })
        .expect(201),
    );

  test('a customer is created with defaults, retrieved, found by email and updated field by field', async () => {
    const created = await createCustomer({
      vat_id: 'DE123456789',
      address,
      locale: 'de',
      email: 'grace@example.test',
    });
    expect(created).toMatchObject({
      object: 'customer',
      email: 'grace@example.test',
      locale: 'de',
      country: 'DE',
      vat_id: 'DE123456789',
      address,
      balance: 0,
      balance_currency: null,
      test_clock_id: null,
    });
    expect(created.id).toMatch(/^cus_[a-f0-9]{24}$/);
    const plain = await createCustomer();
    expect(plain).toMatchObject({ locale: 'en', vat_id: null, address: null });

    const got = documented(
      customerResponseSchema,
      await request(h.app).get(`/v1/customers/${created.id}`).set(h.auth).expect(200),
    );
    expect(got).toEqual(created);

    const byEmail = documented(
      customerListSchema,
      await request(h.app)
        .get('/v1/customers')
        .query({ email: 'grace@example.test' })
        .set(h.auth)
        .expect(200),
    );
    expect(byEmail.data.map((customer) => customer.id)).toEqual([created.id]);

    const updated = documented(
      customerResponseSchema,
      await request(h.app)
        .post(`/v1/customers/${created.id}`)
        .set(h.auth)
        .send({
          name: 'Grace H.',
          vat_id: null,
          address: { ...address, city: 'München', postal_code: '80331' },
        })
        .expect(200),
    );
    expect(updated).toMatchObject({
      name: 'Grace H.',
      email: 'grace@example.test',
      locale: 'de',
      vat_id: null,
      address: { ...address, city: 'München', postal_code: '80331' },
    });
    const cleared = documented(
      customerResponseSchema,
      await request(h.app)
        .post(`/v1/customers/${created.id}`)
        .set(h.auth)
        .send({ address: null })
        .expect(200),
    );
    expect(cleared.address).toBeNull();
  });

  test('invalid customers are rejected naming the field and write nothing', async () => {
    const before = await countRows(h.db, 'customers');
    const base = { email: 'x@example.test', name: 'X', country: 'DE' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, email: 'not-an-email' }, 'email'],
      [{ ...base, country: 'Germany' }, 'country'],
      [{ ...base, country: 'ZZ' }, 'country'],
      [{ ...base, locale: 'fr' }, 'locale'],
      [{ ...base, name: '' }, 'name'],
      [{ ...base, address: { ...address, country: 'de' } }, 'address.country'],
      [{ ...base, address: { ...address, street: 'x' } }, 'address.street'],
      [{ ...base, balance: 100 }, 'balance'],
      [{ email: 'x@example.test', country: 'DE' }, 'name'],
    ];
    for (const [body, param] of cases) {
      const response = await request(h.app).post('/v1/customers').set(h.auth).send(body);
      expect({ status: response.status, param: documentedError(response).param }).toEqual({
        status: 400,
        param,
      });
    }
    expect(await countRows(h.db, 'customers')).toBe(before);
  });

  test('unknown customers are 404 on every customer route; no key is 401', async () => {
    const id = 'cus_000000000000000000000000';
    for (const [method, path] of [
      ['get', `/v1/customers/${id}`],
      ['post', `/v1/customers/${id}`],
      ['get', `/v1/customers/${id}/payment_methods`],
      ['post', `/v1/customers/${id}/payment_methods`],
    ] as const) {
      const body =
        method === 'post' && path.endsWith('payment_methods')
          ? { gateway: 'sandbox', token: 'tok_visa' }
          : {};
      const missing = await request(h.app)[method](path).set(h.auth).send(body).expect(404);
      expect(documentedError(missing)).toMatchObject({ type: 'not_found', code: 'resource_missing' });
      const anonymous = await request(h.app)[method](path).send(body).expect(401);
      expect(documentedError(anonymous).code).toBe('missing_api_key');
    }
    for (const [method, path] of [
      ['get', '/v1/customers'],
      ['post', '/v1/customers'],
    ] as const) {
      await request(h.app)[method](path).send({}).expect(401);
    }
  });

  test('payment methods attach through the sandbox gateway; the first is default until another is made default', async () => {
    const customer = await createCustomer();
    const visa = documented(
      paymentMethodResponseSchema,
      await request(h.app)
        .post(`/v1/customers/${customer.id}/payment_methods`)
        .set(h.auth)
        .send({ gateway: 'sandbox', token: 'tok_visa' })
        .expect(201),
    );
    expect(visa).toMatchObject({
      object: 'payment_method',
      customer_id: customer.id,
      gateway: 'sandbox',
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
      default: true,
    });
    const mastercard = documented(
      paymentMethodResponseSchema,
      await request(h.app)
        .post(`/v1/customers/${customer.id}/payment_methods`)
        .set(h.auth)
        .send({ gateway: 'sandbox', token: 'tok_mastercard' })
        .expect(201),
    );
    expect(mastercard.default).toBe(false);
    const declining = documented(
      paymentMethodResponseSchema,
      await request(h.app)
        .post(`/v1/customers/${customer.id}/payment_methods`)
        .set(h.auth)
        .send({ gateway: 'sandbox', token: 'tok_chargeDeclinedInsufficientFunds', default: true })
        .expect(201),
    );
    expect(declining).toMatchObject({ default: true, last4: '9995' });

    const listed = documented(
      paymentMethodListSchema,
      await request(h.app).get(`/v1/customers/${customer.id}/payment_methods`).set(h.auth).expect(200),
    );
    expect(listed.data.map((method) => [method.id, method.default])).toEqual([
      [visa.id, false],
      [mastercard.id, false],
      [declining.id, true],
    ]);

    // The token stored is the gateway's reference; neither a card number nor the API's token is kept in clear.
    const rows = await h.db.orm.em
      .getConnection()
      .execute<{ token: string }[]>('select token from payment_methods where customer_id = ?', [customer.id]);
    for (const row of rows) expect(row.token).toMatch(/^pm_sbx_[0-9a-f]{16}_tok_/);
  });

  test('payment method requests are rejected naming the field: unknown token, card number, other gateway', async () => {
    const customer = await createCustomer();
    const path = `/v1/customers/${customer.id}/payment_methods`;
    const before = await countRows(h.db, 'payment_methods');
    const unknown = await request(h.app)
      .post(path)
      .set(h.auth)
      .send({ gateway: 'sandbox', token: 'tok_nope' })
      .expect(400);
    expect(documentedError(unknown)).toMatchObject({ code: 'invalid_token', param: 'token' });
    const pan = await request(h.app)
      .post(path)
      .set(h.auth)
      .send({ gateway: 'sandbox', token: '4242424242424242' })
      .expect(400);
    expect(documentedError(pan).param).toBe('token');
    const stripe = await request(h.app)
      .post(path)
      .set(h.auth)
      .send({ gateway: 'stripe', token: 'tok_visa' })
      .expect(400);
    expect(documentedError(stripe)).toMatchObject({ code: 'gateway_not_enabled', param: 'gateway' });
    const paypal = await request(h.app)
      .post(path)
      .set(h.auth)
      .send({ gateway: 'paypal', token: 'tok_visa' })
      .expect(400);
    expect(documentedError(paypal).param).toBe('gateway');
    const missing = await request(h.app).post(path).set(h.auth).send({ gateway: 'sandbox' }).expect(400);
    expect(documentedError(missing).param).toBe('token');
    expect(await countRows(h.db, 'payment_methods')).toBe(before);
  });

  test('customers and payment methods page in three pages with limit', async () => {
    const customer = await createCustomer();
    const attached: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const response = await request(h.app)
        .post(`/v1/customers/${customer.id}/payment_methods`)
        .set(h.auth)
        .send({ gateway: 'sandbox', token: 'tok_visa' })
        .expect(201);
      attached.push(response.body.id);
    }
    const seen: string[] = [];
    const more: boolean[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: '2', ...(cursor ? { starting_after: cursor } : {}) };
      const page = documented(
        paymentMethodListSchema,
        await request(h.app)
          .get(`/v1/customers/${customer.id}/payment_methods`)
          .query(query)
          .set(h.auth)
          .expect(200),
      );
      seen.push(...page.data.map((method) => method.id));
      more.push(page.has_more);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(attached);
    expect(more).toEqual([true, true, false]);

    // A cursor from another customer's list is not a position in this one.
    const other = await createCustomer();
    const foreign = await request(h.app)
      .get(`/v1/customers/${other.id}/payment_methods`)
      .query({ starting_after: attached[0] })
      .set(h.auth)
      .expect(400);
    expect(documentedError(foreign).param).toBe('starting_after');

    const customers = documented(
      customerListSchema,
      await request(h.app).get('/v1/customers?limit=100').set(h.auth).expect(200),
    );
    expect(customers.data.length).toBe(await countRows(h.db, 'customers'));
  });
});
