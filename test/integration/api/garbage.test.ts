import request from 'supertest';
import { countRows, documentedError, startApiHarness, type ApiHarness, address } from './harness';

const TABLES = ['seller_settings', 'products', 'plans', 'plan_prices', 'customers', 'payment_methods'];

describe('garbage in: every write answers 400 with the error shape, never a 500, and changes nothing', () => {
  let h: ApiHarness;
  let productId: string;
  let planId: string;
  let customerId: string;
  let endpoints: { method: 'post' | 'put'; path: string; valid: Record<string, unknown> }[];

  /** Raw JSON text to an endpoint, so bodies a JSON serializer would never produce can be sent. */
  const sendRaw = (method: 'post' | 'put', path: string, raw: string) => {
    const pending = method === 'put' ? request(h.app).put(path) : request(h.app).post(path);
    return pending.set({ ...h.auth, 'Content-Type': 'application/json' }).send(raw);
  };

  const snapshot = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = await countRows(h.db, table);
    const customer = await request(h.app).get(`/v1/customers/${customerId}`).set(h.auth).expect(200);
    const plan = await request(h.app).get(`/v1/plans/${planId}`).set(h.auth).expect(200);
    return { counts, customer: customer.body, plan: plan.body };
  };

  beforeAll(async () => {
    h = await startApiHarness();
    productId = (await request(h.app).post('/v1/products').set(h.auth).send({ name: 'P' }).expect(201)).body
      .id;
    planId = (
      await request(h.app)
        .post('/v1/plans')
        .set(h.auth)
        .send({ product_id: productId, name: 'Plan', interval: 'month', amounts: { EUR: 1900 } })
        .expect(201)
    ).body.id;
    customerId = (
      await request(h.app)
        .post('/v1/customers')
        .set(h.auth)
        .send({ email: 'a@example.test', name: 'A', country: 'DE' })
        .expect(201)
    ).body.id;
    endpoints = [
      {
        method: 'put',
        path: '/v1/settings',
        valid: { name: 'Seller', address, country: 'DE', default_currency: 'EUR', invoice_prefix: 'INV-' },
      },
      { method: 'post', path: '/v1/products', valid: { name: 'Beans', description: 'Whole' } },
      {
        method: 'post',
        path: '/v1/plans',
        valid: {
          product_id: productId,
          name: 'Plan',
          interval: 'month',
          amounts: { EUR: 1900 },
          trial_days: 3,
        },
      },
      { method: 'post', path: `/v1/plans/${planId}`, valid: { name: 'Renamed', active: false } },
      { method: 'post', path: '/v1/customers', valid: { email: 'b@example.test', name: 'B', country: 'DE' } },
      { method: 'post', path: `/v1/customers/${customerId}`, valid: { email: 'c@example.test', name: 'C' } },
      {
        method: 'post',
        path: `/v1/customers/${customerId}/payment_methods`,
        valid: { gateway: 'sandbox', token: 'tok_visa' },
      },
    ];
  });

  afterAll(async () => {
    await h?.close();
  });

  test('malformed JSON, non-object bodies, oversized bodies', async () => {
    const before = await snapshot();
    for (const { method, path } of endpoints) {
      for (const raw of [
        '{"name":',
        '{name: 1}',
        "{'a':1}",
        '[]',
        '[{"name":"x"}]',
        '"name"',
        'null',
        '42',
      ]) {
        const response = await sendRaw(method, path, raw);
        expect({ path, raw, status: response.status }).toEqual({ path, raw, status: 400 });
        expect(documentedError(response).type).toBe('invalid_request_error');
      }
      const huge = await sendRaw(method, path, JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
      expect(huge.status).toBe(400);
      expect(documentedError(huge).code).toBe('body_too_large');
    }
    expect(await snapshot()).toEqual(before);
  });

  test('extra fields, wrong types and huge strings are rejected naming the field', async () => {
    const before = await snapshot();
    for (const { method, path, valid } of endpoints) {
      const send = (body: unknown) => sendRaw(method, path, JSON.stringify(body));

      for (const extra of ['is_admin', '__proto__', 'balance', 'id', 'created_at']) {
        const response = await sendRaw(
          method,
          path,
          JSON.stringify({ ...valid }).replace(/^\{/, `{"${extra}":{"x":1},`),
        );
        expect({ path, extra, status: response.status, param: documentedError(response).param }).toEqual({
          path,
          extra,
          status: 400,
          param: extra,
        });
      }
      for (const [field, value] of Object.entries(valid)) {
        const wrongs: unknown[] =
          typeof value === 'string'
            ? [12345, true, null, ['x'], { x: 1 }, 'x'.repeat(100_000)]
            : typeof value === 'number'
              ? ['3', -1, 1.5, 1e308, null, [3]]
              : typeof value === 'boolean'
                ? ['true', 1, null]
                : ['x', 1, []];
        for (const wrong of wrongs) {
          if (wrong === null && ['description', 'vat_id', 'address'].includes(field)) continue;
          const response = await send({ ...valid, [field]: wrong });
          const shown = typeof wrong === 'string' ? wrong.slice(0, 20) : wrong;
          expect({ path, field, wrong: shown, status: response.status }).toEqual({
            path,
            field,
            wrong: shown,
            status: 400,
          });
          expect(documentedError(response)).toMatchObject({ type: 'invalid_request_error' });
          expect(documentedError(response).param?.split('.')[0]).toBe(field);
        }
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  test('negative, fractional, overflowing and stringly amounts, unknown currencies', async () => {
    const before = await snapshot();
    const base = { product_id: productId, name: 'Plan', interval: 'month' };
    const amounts: [string, string][] = [
      ['{"EUR":-1}', 'amounts.EUR'],
      ['{"EUR":19.99}', 'amounts.EUR'],
      ['{"EUR":9007199254740992}', 'amounts.EUR'],
      ['{"EUR":99999999999999999999999999}', 'amounts.EUR'],
      ['{"EUR":1e400}', 'amounts.EUR'],
      ['{"EUR":"1900"}', 'amounts.EUR'],
      ['{"EUR":null}', 'amounts.EUR'],
      ['{"eur":1900}', 'amounts.eur'],
      ['{"XXX":1900}', 'amounts.XXX'],
      ['{"XAU":1900}', 'amounts.XAU'],
      ['{"ABC":1900}', 'amounts.ABC'],
      ['{"EURO":1900}', 'amounts.EURO'],
      ['[1900]', 'amounts'],
    ];
    for (const [raw, param] of amounts) {
      const body = JSON.stringify(base).replace(/\}$/, `,"amounts":${raw}}`);
      const response = await request(h.app)
        .post('/v1/plans')
        .set({ ...h.auth, 'Content-Type': 'application/json' })
        .send(body);
      const status = response.status;
      // `1e400` is valid JSON that parses to Infinity; 2^53 and beyond are not safe integers.
      expect({ raw, status, param: documentedError(response).param }).toEqual({ raw, status: 400, param });
    }
    const tiers = await request(h.app)
      .post('/v1/plans')
      .set(h.auth)
      .send({ ...base, pricing_model: 'graduated', tiers: { EUR: [{ up_to: null, unit_amount: -5 }] } });
    expect({ status: tiers.status, param: documentedError(tiers).param }).toEqual({
      status: 400,
      param: 'tiers.EUR.0.unit_amount',
    });
    for (const currency of ['XXX', 'ABC', 'eur', 'EURO', '']) {
      const settings = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ name: 'S', address, country: 'DE', default_currency: currency });
      expect({ currency, status: settings.status, param: documentedError(settings).param }).toEqual({
        currency,
        status: 400,
        param: 'default_currency',
      });
    }
    expect(await snapshot()).toEqual(before);
  });

  test('query strings: repeated, unknown and oversized parameters are 400s naming them', async () => {
    const cases: [string, string][] = [
      ['limit=1&limit=2', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1e3', 'limit'],
      [`starting_after=${'x'.repeat(1000)}`, 'starting_after'],
      ['active=yes', 'active'],
      ['expand=all', 'expand'],
    ];
    for (const [query, param] of cases) {
      const response = await request(h.app).get(`/v1/products?${query}`).set(h.auth);
      expect({
        query: query.slice(0, 30),
        status: response.status,
        param: documentedError(response).param,
      }).toEqual({
        query: query.slice(0, 30),
        status: 400,
        param,
      });
    }
  });
});
