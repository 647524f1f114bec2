import request from 'supertest';
import { planListSchema, planResponseSchema } from '../../../src/api/schemas/plans';
import { productListSchema, productResponseSchema } from '../../../src/api/schemas/products';
import { settingsResponseSchema } from '../../../src/api/schemas/settings';
import { address, countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

describe('catalogue and settings API', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const createProduct = async (name = 'Coffee beans') =>
    documented(
      productResponseSchema,
      await request(h.app).post('/v1/products').set(h.auth).send({ name }).expect(201),
    );

  describe('settings', () => {
    test('GET before any PUT is a 404 naming the missing settings', async () => {
      const response = await request(h.app).get('/v1/settings').set(h.auth).expect(404);
      expect(documentedError(response)).toMatchObject({ type: 'not_found', code: 'settings_not_configured' });
    });

    test('PUT stores the settings with defaults for omitted fields, GET returns them, a second PUT replaces them', async () => {
      const put = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({
          name: 'Rösterei GmbH',
          address,
          country: 'DE',
          vat_id: 'DE123456789',
          default_currency: 'EUR',
        })
        .expect(200);
      const stored = documented(settingsResponseSchema, put);
      expect(stored).toMatchObject({
        object: 'settings',
        name: 'Rösterei GmbH',
        address,
        invoice_prefix: '',
        time_zone: 'UTC',
        default_currency: 'EUR',
        dunning_policy: {
          retry_offsets_days: [1, 3, 5, 7],
          notices: ['payment_failed', 'reminder', 'second_reminder', 'final_notice'],
          final_action: 'cancel',
        },
        notification_email: null,
        notification_locale: 'en',
      });
      const got = documented(
        settingsResponseSchema,
        await request(h.app).get('/v1/settings').set(h.auth).expect(200),
      );
      expect(got).toEqual(stored);

      const replaced = documented(
        settingsResponseSchema,
        await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({
            name: 'Rösterei AG',
            address: { ...address, line2: 'Hinterhaus' },
            country: 'AT',
            default_currency: 'CHF',
            invoice_prefix: 'INV-',
            time_zone: 'Europe/Vienna',
            dunning_policy: {
              retry_offsets_days: [2, 4],
              notices: ['payment_failed', 'final_notice'],
              final_action: 'pause',
            },
            notification_email: 'owner@roesterei.example',
            notification_locale: 'de',
          })
          .expect(200),
      );
      expect(replaced).toMatchObject({
        name: 'Rösterei AG',
        country: 'AT',
        vat_id: null,
        invoice_prefix: 'INV-',
        time_zone: 'Europe/Vienna',
        dunning_policy: { retry_offsets_days: [2, 4], final_action: 'pause' },
        notification_email: 'owner@roesterei.example',
        notification_locale: 'de',
      });
      expect(await countRows(h.db, 'seller_settings')).toBe(1);
    });

    test('invalid settings are rejected naming the field: unknown time zone, decreasing retries, bad prefix, bad notification address or language', async () => {
      const base = { name: 'X', address, country: 'DE', default_currency: 'EUR' };
      const zone = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ ...base, time_zone: 'Mars/Olympus' })
        .expect(400);
      expect(documentedError(zone)).toMatchObject({ type: 'invalid_request_error', param: 'time_zone' });
      const retries = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({
          ...base,
          dunning_policy: {
            retry_offsets_days: [3, 1],
            notices: ['reminder', 'reminder'],
            final_action: 'cancel',
          },
        })
        .expect(400);
      expect(documentedError(retries).param).toBe('dunning_policy.retry_offsets_days.1');
      const prefix = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ ...base, invoice_prefix: 'INV 2026 ###' })
        .expect(400);
      expect(documentedError(prefix).param).toBe('invoice_prefix');
      const country = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ ...base, country: 'XX' })
        .expect(400);
      expect(documentedError(country).param).toBe('country');
      for (const [field, value] of [
        ['notification_email', 'owner at roesterei'],
        ['notification_locale', 'fr'],
      ]) {
        const invalid = await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...base, [field as string]: value })
          .expect(400);
        expect(documentedError(invalid).param).toBe(field);
      }
    });

    test('the email sender is stored and answered, removed by a PUT without it; a bad address, a name with a line break, an empty or over-long name is refused naming the field, and nothing is stored', async () => {
      const base = { name: 'Rösterei GmbH', address, country: 'DE', default_currency: 'EUR' };
      const sender = { name: 'Rösterei Beispiel', address: 'billing@roesterei.example' };
      const put = documented(
        settingsResponseSchema,
        await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...base, email_sender: sender })
          .expect(200),
      );
      expect(put.email_sender).toEqual(sender);
      const got = documented(
        settingsResponseSchema,
        await request(h.app).get('/v1/settings').set(h.auth).expect(200),
      );
      expect(got.email_sender).toEqual(sender);

      for (const [field, refused] of [
        ['email_sender.address', { name: 'Rösterei', address: 'billing at roesterei' }],
        [
          'email_sender.address',
          { name: 'Rösterei', address: 'billing@roesterei.example\r\nBcc: all@example.test' },
        ],
        ['email_sender.address', { name: 'Rösterei' }],
        ['email_sender.name', { name: 'Rösterei\r\nBcc: all@example.test', address: sender.address }],
        ['email_sender.name', { name: 'Rösterei\nBeispiel', address: sender.address }],
        ['email_sender.name', { name: '  ', address: sender.address }],
        ['email_sender.name', { name: 'R'.repeat(101), address: sender.address }],
        ['email_sender.from', { ...sender, from: 'x' }],
      ] as const) {
        const response = await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...base, name: 'Changed', email_sender: refused })
          .expect(400);
        expect([field, documentedError(response).param]).toEqual([field, field]);
      }
      const unchanged = documented(
        settingsResponseSchema,
        await request(h.app).get('/v1/settings').set(h.auth).expect(200),
      );
      expect(unchanged).toMatchObject({ name: 'Rösterei GmbH', email_sender: sender });

      const removed = documented(
        settingsResponseSchema,
        await request(h.app).put('/v1/settings').set(h.auth).send(base).expect(200),
      );
      expect(removed.email_sender).toBeNull();
    });
  });

  describe('products', () => {
    test('create, retrieve and list a product', async () => {
      const created = await createProduct('Monthly beans');
      expect(created).toMatchObject({
        object: 'product',
        name: 'Monthly beans',
        description: null,
        active: true,
      });
      expect(created.id).toMatch(/^prod_[a-f0-9]{24}$/);
      const got = documented(
        productResponseSchema,
        await request(h.app).get(`/v1/products/${created.id}`).set(h.auth).expect(200),
      );
      expect(got).toEqual(created);
      const inactive = documented(
        productResponseSchema,
        await request(h.app)
          .post('/v1/products')
          .set(h.auth)
          .send({ name: 'Old', description: 'retired', active: false })
          .expect(201),
      );
      const onlyInactive = documented(
        productListSchema,
        await request(h.app).get('/v1/products?active=false').set(h.auth).expect(200),
      );
      expect(onlyInactive.data.map((product) => product.id)).toEqual([inactive.id]);
    });

    test('missing name is a 400 naming it; unknown id is a 404; no key is a 401', async () => {
      const invalid = await request(h.app).post('/v1/products').set(h.auth).send({}).expect(400);
      expect(documentedError(invalid)).toMatchObject({ type: 'invalid_request_error', param: 'name' });
      const missing = await request(h.app)
        .get('/v1/products/prod_000000000000000000000000')
        .set(h.auth)
        .expect(404);
      expect(documentedError(missing)).toMatchObject({
        type: 'not_found',
        code: 'resource_missing',
        param: 'id',
      });
      const malformed = await request(h.app).get('/v1/products/nope').set(h.auth).expect(404);
      expect(documentedError(malformed).code).toBe('resource_missing');
      for (const [method, path] of [
        ['get', '/v1/products'],
        ['post', '/v1/products'],
        ['get', '/v1/products/prod_000000000000000000000000'],
        ['get', '/v1/plans'],
        ['post', '/v1/plans'],
        ['get', '/v1/plans/plan_000000000000000000000000'],
        ['post', '/v1/plans/plan_000000000000000000000000'],
        ['get', '/v1/settings'],
        ['put', '/v1/settings'],
      ] as const) {
        const response = await request(h.app)[method](path).send({}).expect(401);
        expect(documentedError(response).type).toBe('authentication_error');
      }
    });

    test('a list pages through every product exactly once, oldest first, three pages of two', async () => {
      const fresh = await startApiHarness();
      try {
        const ids: string[] = [];
        for (let index = 0; index < 6; index += 1) {
          const response = await request(fresh.app)
            .post('/v1/products')
            .set(fresh.auth)
            .send({ name: `P${index}` })
            .expect(201);
          ids.push(response.body.id);
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        const pages: boolean[] = [];
        do {
          const path: string = `/v1/products?limit=2${cursor ? `&starting_after=${cursor}` : ''}`;
          const page = documented(
            productListSchema,
            await request(fresh.app).get(path).set(fresh.auth).expect(200),
          );
          expect(page.object).toBe('list');
          expect(page.data).toHaveLength(2);
          seen.push(...page.data.map((product) => product.id));
          pages.push(page.has_more);
          cursor = page.next_cursor;
        } while (cursor);
        expect(pages).toEqual([true, true, false]);
        expect(seen).toEqual(ids);

        const all = documented(
          productListSchema,
          await request(fresh.app).get('/v1/products').set(fresh.auth).expect(200),
        );
        expect(all).toMatchObject({ has_more: false, next_cursor: null });
        expect(all.data.map((product) => product.id)).toEqual(ids);

        for (const bad of [
          'limit=0',
          'limit=101',
          'limit=abc',
          'limit=2.5',
          'starting_after=prod_000000000000000000000000',
          'colour=red',
        ]) {
          const response = await request(fresh.app).get(`/v1/products?${bad}`).set(fresh.auth).expect(400);
          expect(documentedError(response).param).toBe(bad.split('=')[0]);
        }
      } finally {
        await fresh.close();
      }
    });
  });

  describe('plans', () => {
    test('a per-unit plan in two currencies is created, retrieved, listed by product and deactivated', async () => {
      const product = await createProduct();
      const created = documented(
        planResponseSchema,
        await request(h.app)
          .post('/v1/plans')
          .set(h.auth)
          .send({
            product_id: product.id,
            name: 'Pro monthly',
            interval: 'month',
            amounts: { EUR: 1900, JPY: 2500 },
            setup_fees: { EUR: 500 },
            trial_days: 14,
          })
          .expect(201),
      );
      expect(created).toMatchObject({
        object: 'plan',
        product_id: product.id,
        interval: 'month',
        interval_count: 1,
        pricing_model: 'per_unit',
        currencies: ['EUR', 'JPY'],
        amounts: { EUR: 1900, JPY: 2500 },
        tiers: null,
        setup_fees: { EUR: 500 },
        trial_days: 14,
        tax_behavior: 'exclusive',
        meter_id: null,
        active: true,
      });
      expect(await countRows(h.db, 'plan_prices')).toBeGreaterThanOrEqual(2);

      const got = documented(
        planResponseSchema,
        await request(h.app).get(`/v1/plans/${created.id}`).set(h.auth).expect(200),
      );
      expect(got).toEqual(created);

      const listed = documented(
        planListSchema,
        await request(h.app).get(`/v1/plans?product_id=${product.id}`).set(h.auth).expect(200),
      );
      expect(listed.data).toEqual([created]);

      const deactivated = documented(
        planResponseSchema,
        await request(h.app).post(`/v1/plans/${created.id}`).set(h.auth).send({ active: false }).expect(200),
      );
      expect(deactivated).toEqual({ ...created, active: false });
      const active = documented(
        planListSchema,
        await request(h.app).get(`/v1/plans?product_id=${product.id}&active=true`).set(h.auth).expect(200),
      );
      expect(active.data).toEqual([]);
    });

    test('graduated tiers and package pricing round-trip exactly', async () => {
      const product = await createProduct();
      const tiers = [
        { up_to: 10, unit_amount: 500 },
        { up_to: 100, unit_amount: 400, flat_amount: 1000 },
        { up_to: null, unit_amount: 300 },
      ];
      const graduated = documented(
        planResponseSchema,
        await request(h.app)
          .post('/v1/plans')
          .set(h.auth)
          .send({
            product_id: product.id,
            name: 'Seats',
            interval: 'year',
            interval_count: 1,
            pricing_model: 'graduated',
            tiers: { EUR: tiers },
            tax_behavior: 'inclusive',
          })
          .expect(201),
      );
      expect(graduated).toMatchObject({
        pricing_model: 'graduated',
        amounts: null,
        tiers: { EUR: tiers },
        tax_behavior: 'inclusive',
      });
      const pkg = documented(
        planResponseSchema,
        await request(h.app)
          .post('/v1/plans')
          .set(h.auth)
          .send({
            product_id: product.id,
            name: 'Bags',
            interval: 'week',
            interval_count: 2,
            pricing_model: 'package',
            amounts: { EUR: 1200 },
            units_per_package: 3,
          })
          .expect(201),
      );
      expect(pkg).toMatchObject({
        pricing_model: 'package',
        amounts: { EUR: 1200 },
        units_per_package: 3,
        interval_count: 2,
      });
    });

    test('invalid plans are rejected naming the field and write nothing', async () => {
      const product = await createProduct();
      const before = await countRows(h.db, 'plans');
      const base = { product_id: product.id, name: 'X', interval: 'month' };
      const cases: [Record<string, unknown>, string][] = [
        [{ ...base, amounts: { EUR: -1 } }, 'amounts.EUR'],
        [{ ...base, amounts: { EUR: 2 ** 53 } }, 'amounts.EUR'],
        [{ ...base, amounts: { EUR: 19.99 } }, 'amounts.EUR'],
        [{ ...base, amounts: { XYZ: 100 } }, 'amounts.XYZ'],
        [{ ...base, amounts: {} }, 'amounts'],
        [{ ...base }, 'amounts'],
        [{ ...base, interval: 'fortnight', amounts: { EUR: 1 } }, 'interval'],
        [{ ...base, pricing_model: 'volume', amounts: { EUR: 1 } }, 'tiers'],
        [
          {
            ...base,
            pricing_model: 'volume',
            tiers: {
              EUR: [
                { up_to: null, unit_amount: 1 },
                { up_to: 5, unit_amount: 1 },
              ],
            },
          },
          'tiers.EUR.0.up_to',
        ],
        [{ ...base, pricing_model: 'package', amounts: { EUR: 1 } }, 'units_per_package'],
        [{ ...base, amounts: { EUR: 1 }, setup_fees: { USD: 1 } }, 'setup_fees.USD'],
        [{ ...base, product_id: 'prod_000000000000000000000000', amounts: { EUR: 1 } }, 'product_id'],
        [{ ...base, meter_id: 'mtr_000000000000000000000000', amounts: { EUR: 1 } }, 'meter_id'],
        [{ ...base, amounts: { EUR: 1 }, trial_days: -1 }, 'trial_days'],
      ];
      for (const [body, param] of cases) {
        const response = await request(h.app).post('/v1/plans').set(h.auth).send(body);
        expect({ status: response.status, param: documentedError(response).param }).toEqual({
          status: 400,
          param,
        });
      }
      expect(await countRows(h.db, 'plans')).toBe(before);

      const missing = await request(h.app)
        .post('/v1/plans/plan_000000000000000000000000')
        .set(h.auth)
        .send({ active: false })
        .expect(404);
      expect(documentedError(missing).code).toBe('resource_missing');
      await request(h.app).get('/v1/plans/plan_000000000000000000000000').set(h.auth).expect(404);
      const badUpdate = await request(h.app)
        .post('/v1/plans/plan_000000000000000000000000')
        .set(h.auth)
        .send({ amounts: { EUR: 1 } })
        .expect(400);
      expect(documentedError(badUpdate)).toMatchObject({ code: 'unknown_parameter', param: 'amounts' });
    });
  });
});
