import request from 'supertest';
import { customerResponseSchema } from '../../../src/api/schemas/customers';
import { productListSchema, productResponseSchema } from '../../../src/api/schemas/products';
import { settingsResponseSchema } from '../../../src/api/schemas/settings';
import { ViesVatIdVerifier } from '../../../src/tax';
import { startFakeVies, type FakeVies } from '../../support/fake-vies';
import { address, countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

const seller = { name: 'Rösterei GmbH', address, country: 'DE', default_currency: 'EUR' };

describe('tax through the API', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('product tax category', () => {
    test('defaults to standard, is set at creation, changed by an update and shown in get and list', async () => {
      const plain = documented(
        productResponseSchema,
        await request(h.app).post('/v1/products').set(h.auth).send({ name: 'Grinder rental' }).expect(201),
      );
      expect(plain.tax_category).toBe('standard');
      const beans = documented(
        productResponseSchema,
        await request(h.app)
          .post('/v1/products')
          .set(h.auth)
          .send({ name: 'Coffee beans', tax_category: 'reduced' })
          .expect(201),
      );
      expect(beans.tax_category).toBe('reduced');

      const updated = documented(
        productResponseSchema,
        await request(h.app)
          .post(`/v1/products/${plain.id}`)
          .set(h.auth)
          .send({ tax_category: 'zero', description: 'Export service' })
          .expect(200),
      );
      expect(updated).toEqual({ ...plain, tax_category: 'zero', description: 'Export service' });
      const got = documented(
        productResponseSchema,
        await request(h.app).get(`/v1/products/${plain.id}`).set(h.auth).expect(200),
      );
      expect(got).toEqual(updated);
      const list = documented(
        productListSchema,
        await request(h.app).get('/v1/products?limit=100').set(h.auth).expect(200),
      );
      expect(
        Object.fromEntries(list.data.map((product) => [product.id, product.tax_category])),
      ).toMatchObject({
        [plain.id]: 'zero',
        [beans.id]: 'reduced',
      });
    });

    test('an unknown category is a 400 naming tax_category and writes nothing; an unknown product is a 404', async () => {
      const before = await countRows(h.db, 'products');
      const created = await request(h.app)
        .post('/v1/products')
        .set(h.auth)
        .send({ name: 'Magazine', tax_category: 'super_reduced' })
        .expect(400);
      expect(documentedError(created)).toMatchObject({
        type: 'invalid_request_error',
        param: 'tax_category',
      });
      expect(await countRows(h.db, 'products')).toBe(before);

      const product = documented(
        productResponseSchema,
        await request(h.app).post('/v1/products').set(h.auth).send({ name: 'Tea' }).expect(201),
      );
      const update = await request(h.app)
        .post(`/v1/products/${product.id}`)
        .set(h.auth)
        .send({ tax_category: 'Reduced' })
        .expect(400);
      expect(documentedError(update).param).toBe('tax_category');
      const unchanged = await request(h.app).get(`/v1/products/${product.id}`).set(h.auth).expect(200);
      expect(unchanged.body.tax_category).toBe('standard');
      const missing = await request(h.app)
        .post('/v1/products/prod_000000000000000000000000')
        .set(h.auth)
        .send({ tax_category: 'reduced' })
        .expect(404);
      expect(documentedError(missing)).toMatchObject({ type: 'not_found', param: 'id' });
    });
  });

  describe('seller tax rates outside the EU', () => {
    test('are stored and returned, a missing reduced rate shown as the standard one; a PUT without them clears them', async () => {
      const put = documented(
        settingsResponseSchema,
        await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...seller, tax_rates: { CH: { standard: 810, reduced: 260 }, NO: { standard: 2500 } } })
          .expect(200),
      );
      expect(put.tax_rates).toEqual({
        CH: { standard: 810, reduced: 260 },
        NO: { standard: 2500, reduced: 2500 },
      });
      const got = documented(
        settingsResponseSchema,
        await request(h.app).get('/v1/settings').set(h.auth).expect(200),
      );
      expect(got.tax_rates).toEqual(put.tax_rates);

      const cleared = documented(
        settingsResponseSchema,
        await request(h.app).put('/v1/settings').set(h.auth).send(seller).expect(200),
      );
      expect(cleared.tax_rates).toEqual({});
    });

    test('an EU member state, a rate beyond 100 % or a malformed country is a 400 naming it, and nothing changes', async () => {
      const stored = documented(
        settingsResponseSchema,
        await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...seller, tax_rates: { CH: { standard: 810, reduced: 260 } } })
          .expect(200),
      );
      for (const [taxRates, param] of [
        [{ CH: { standard: 810 }, DE: { standard: 1900 } }, 'tax_rates.DE'],
        [{ CH: { standard: 10_001 } }, 'tax_rates.CH.standard'],
        [{ CH: { standard: 810, reduced: 2.6 } }, 'tax_rates.CH.reduced'],
        [{ CH: { standard: 810, special: 380 } }, 'tax_rates.CH.special'],
        [{ ch: { standard: 810 } }, 'tax_rates.ch'],
      ] as const) {
        const response = await request(h.app)
          .put('/v1/settings')
          .set(h.auth)
          .send({ ...seller, name: 'Changed', tax_rates: taxRates })
          .expect(400);
        expect({ taxRates, error: documentedError(response) }).toMatchObject({
          taxRates,
          error: { type: 'invalid_request_error', param },
        });
      }
      const after = documented(
        settingsResponseSchema,
        await request(h.app).get('/v1/settings').set(h.auth).expect(200),
      );
      expect(after).toEqual(stored);
    });
  });

  describe('VAT ids', () => {
    const customer = (country: string, vatId: string | null) => ({
      email: `${country.toLowerCase()}@example.test`,
      name: `Customer ${country}`,
      country,
      vat_id: vatId,
    });

    test('a malformed id for an EU customer is a 400 naming vat_id, with the expected shape, and no customer is written', async () => {
      const before = await countRows(h.db, 'customers');
      for (const [country, vatId, message] of [
        ['DE', 'DE12345678', /DE \+ 9 digits, e\.g\. DE123456789/],
        ['AT', 'AT12345678', /ATU \+ 8 digits/],
        ['NL', 'NL123456789', /NL \+ 9 digits \+ B \+ 2 digits/],
        ['GR', 'GR123456789', /start with EL/],
        ['FR', '40303265045', /member state prefix/],
        ['GB', 'XI12345', /XI VAT id/],
      ] as const) {
        const response = await request(h.app)
          .post('/v1/customers')
          .set(h.auth)
          .send(customer(country, vatId))
          .expect(400);
        const error = documentedError(response);
        expect({ country, vatId, type: error.type, param: error.param }).toEqual({
          country,
          vatId,
          type: 'invalid_request_error',
          param: 'vat_id',
        });
        expect(error.message).toMatch(message);
      }
      expect(await countRows(h.db, 'customers')).toBe(before);
    });

    test('well-formed ids are stored as written; a tax id of a country outside the EU is taken as it is', async () => {
      for (const [country, vatId] of [
        ['FR', 'FR 40 303 265 045'],
        ['GR', 'EL123456789'],
        ['AT', 'DE123456789'],
        ['GB', 'XI123456789'],
        ['CH', 'CHE-123.456.789 MWST'],
      ] as const) {
        const created = documented(
          customerResponseSchema,
          await request(h.app).post('/v1/customers').set(h.auth).send(customer(country, vatId)).expect(201),
        );
        expect(created).toMatchObject({ country, vat_id: vatId });
      }
    });

    test('an update checks the id against the country it will have: moving a Swiss customer to Germany needs a DE id', async () => {
      const swiss = documented(
        customerResponseSchema,
        await request(h.app)
          .post('/v1/customers')
          .set(h.auth)
          .send(customer('CH', 'CHE-123.456.789 MWST'))
          .expect(201),
      );
      const moved = await request(h.app)
        .post(`/v1/customers/${swiss.id}`)
        .set(h.auth)
        .send({ country: 'DE' })
        .expect(400);
      expect(documentedError(moved)).toMatchObject({ type: 'invalid_request_error', param: 'vat_id' });
      const malformed = await request(h.app)
        .post(`/v1/customers/${swiss.id}`)
        .set(h.auth)
        .send({ country: 'DE', vat_id: 'DE1234' })
        .expect(400);
      expect(documentedError(malformed).param).toBe('vat_id');
      const unchanged = await request(h.app).get(`/v1/customers/${swiss.id}`).set(h.auth).expect(200);
      expect(unchanged.body).toMatchObject({ country: 'CH', vat_id: 'CHE-123.456.789 MWST' });

      const german = documented(
        customerResponseSchema,
        await request(h.app)
          .post(`/v1/customers/${swiss.id}`)
          .set(h.auth)
          .send({ country: 'DE', vat_id: 'DE123456789' })
          .expect(200),
      );
      expect(german).toMatchObject({ country: 'DE', vat_id: 'DE123456789' });
      const consumer = documented(
        customerResponseSchema,
        await request(h.app).post(`/v1/customers/${swiss.id}`).set(h.auth).send({ vat_id: null }).expect(200),
      );
      expect(consumer.vat_id).toBeNull();
    });

    test("the seller's own VAT id is checked against its country", async () => {
      const response = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ ...seller, vat_id: 'DE 123 456' })
        .expect(400);
      expect(documentedError(response)).toMatchObject({ type: 'invalid_request_error', param: 'vat_id' });
    });
  });
});

describe('VAT ids verified against VIES (a local stand-in)', () => {
  let vies: FakeVies;
  let h: ApiHarness;

  beforeAll(async () => {
    vies = await startFakeVies({
      DE811569869: { name: 'Rösterei Beispiel GmbH', address: 'Hauptstraße 1, 10115 Berlin' },
      FR40303265045: { name: '---', address: '---' },
    });
    h = await startApiHarness({
      vatIdVerifier: new ViesVatIdVerifier({ baseUrl: vies.url, timeoutMs: 2000 }),
    });
  });

  afterAll(async () => {
    await h?.close();
    await vies?.close();
  });

  test('the adapter reads valid, invalid and undisclosed answers; an unavailable member state is not a "no"', async () => {
    const verifier = new ViesVatIdVerifier({ baseUrl: `${vies.url}/`, timeoutMs: 2000 });
    await expect(verifier.verify('de 811 569 869')).resolves.toEqual({
      valid: true,
      name: 'Rösterei Beispiel GmbH',
      address: 'Hauptstraße 1, 10115 Berlin',
    });
    await expect(verifier.verify('FR40303265045')).resolves.toEqual({ valid: true });
    await expect(verifier.verify('DE123456789')).resolves.toEqual({ valid: false });
    expect(vies.asked.slice(-3)).toEqual(['DE811569869', 'FR40303265045', 'DE123456789']);
    vies.down = true;
    try {
      await expect(verifier.verify('DE811569869')).rejects.toMatchObject({
        name: 'VatIdVerificationUnavailable',
        message: expect.stringContaining('MS_UNAVAILABLE'),
      });
    } finally {
      vies.down = false;
    }
  });

  test('a well-formed id VIES does not know is a 400 vat_id_not_registered; a known one is stored', async () => {
    const unknown = await request(h.app)
      .post('/v1/customers')
      .set(h.auth)
      .send({ email: 'x@example.test', name: 'X', country: 'DE', vat_id: 'DE123456789' })
      .expect(400);
    expect(documentedError(unknown)).toMatchObject({ code: 'vat_id_not_registered', param: 'vat_id' });
    const known = await request(h.app)
      .post('/v1/customers')
      .set(h.auth)
      .send({ email: 'y@example.test', name: 'Y', country: 'DE', vat_id: 'DE811569869' })
      .expect(201);
    expect(known.body.vat_id).toBe('DE811569869');
    const seller = await request(h.app)
      .put('/v1/settings')
      .set(h.auth)
      .send({ name: 'S', address, country: 'DE', default_currency: 'EUR', vat_id: 'DE123456789' })
      .expect(400);
    expect(documentedError(seller)).toMatchObject({ code: 'vat_id_not_registered', param: 'vat_id' });
  });

  test("the seller's registered id is asked about once: later settings changes work while VIES is down", async () => {
    const settings = { name: 'S', address, country: 'DE', default_currency: 'EUR', vat_id: 'DE811569869' };
    await request(h.app).put('/v1/settings').set(h.auth).send(settings).expect(200);
    const asked = vies.asked.length;
    vies.down = true;
    try {
      const renamed = await request(h.app)
        .put('/v1/settings')
        .set(h.auth)
        .send({ ...settings, name: 'S GmbH' })
        .expect(200);
      expect(renamed.body).toMatchObject({ name: 'S GmbH', vat_id: 'DE811569869' });
    } finally {
      vies.down = false;
    }
    expect(vies.asked.length).toBe(asked);
  });

  test('a malformed id never reaches VIES, nor does a tax id from outside the EU', async () => {
    const asked = vies.asked.length;
    await request(h.app)
      .post('/v1/customers')
      .set(h.auth)
      .send({ email: 'z@example.test', name: 'Z', country: 'DE', vat_id: 'DE1' })
      .expect(400);
    await request(h.app)
      .post('/v1/customers')
      .set(h.auth)
      .send({ email: 'ch@example.test', name: 'CH', country: 'CH', vat_id: 'CHE-123.456.789 MWST' })
      .expect(201);
    expect(vies.asked.length).toBe(asked);
  });

  test('VIES unavailable: a 503 to retry, and no customer is written', async () => {
    const before = await countRows(h.db, 'customers');
    vies.down = true;
    try {
      const response = await request(h.app)
        .post('/v1/customers')
        .set(h.auth)
        .send({ email: 'w@example.test', name: 'W', country: 'DE', vat_id: 'DE811569869' })
        .expect(503);
      expect(documentedError(response)).toMatchObject({
        type: 'service_unavailable',
        code: 'vat_id_verification_unavailable',
      });
    } finally {
      vies.down = false;
    }
    expect(await countRows(h.db, 'customers')).toBe(before);
  });
});
