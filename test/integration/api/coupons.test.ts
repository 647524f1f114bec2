import request from 'supertest';
import { couponResponseSchema } from '../../../src/api/schemas/coupons';
import { countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

describe('coupons API', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const post = (body: object) => request(harness.app).post('/v1/coupons').set(harness.auth).send(body);

  test('creates percent and amount coupons, reads them back, and refuses a taken code with 409', async () => {
    const percent = documented(
      couponResponseSchema,
      await post({
        code: 'SPRING20',
        name: '20 % off',
        percent_off: 20,
        duration: 'repeating',
        duration_in_periods: 3,
      }).expect(201),
    );
    expect(percent).toMatchObject({
      percent_off: 20,
      amount_off: null,
      duration: 'repeating',
      duration_in_periods: 3,
      times_redeemed: 0,
    });
    const amount = documented(
      couponResponseSchema,
      await post({
        code: 'FIVE',
        name: '5 EUR off',
        amount_off: 500,
        currency: 'EUR',
        duration: 'once',
        max_redemptions: 10,
      }).expect(201),
    );
    expect(amount).toMatchObject({
      percent_off: null,
      amount_off: 500,
      currency: 'EUR',
      max_redemptions: 10,
    });

    const fetched = await request(harness.app).get(`/v1/coupons/${percent.id}`).set(harness.auth).expect(200);
    expect(fetched.body).toEqual(percent);
    const listed = await request(harness.app).get('/v1/coupons?limit=1').set(harness.auth).expect(200);
    expect(listed.body).toMatchObject({ has_more: true, data: [{ code: 'SPRING20' }] });

    const taken = await post({ code: 'FIVE', name: 'again', percent_off: 5, duration: 'forever' }).expect(
      409,
    );
    expect(documentedError(taken)).toMatchObject({ code: 'coupon_code_taken', param: 'code' });
    await request(harness.app).get('/v1/coupons/co_000000000000000000000000').set(harness.auth).expect(404);
  });

  test('refuses an ambiguous discount, a missing currency or period count, and writes nothing', async () => {
    const before = await countRows(harness.db, 'coupons');
    const both = await post({
      code: 'BOTH',
      name: 'x',
      percent_off: 5,
      amount_off: 100,
      currency: 'EUR',
      duration: 'once',
    }).expect(400);
    expect(documentedError(both)).toMatchObject({ param: 'percent_off' });
    const noCurrency = await post({ code: 'NOCUR', name: 'x', amount_off: 100, duration: 'once' }).expect(
      400,
    );
    expect(documentedError(noCurrency)).toMatchObject({ param: 'currency' });
    const noPeriods = await post({ code: 'NOPER', name: 'x', percent_off: 5, duration: 'repeating' }).expect(
      400,
    );
    expect(documentedError(noPeriods)).toMatchObject({ param: 'duration_in_periods' });
    const overflowing = await post({ code: 'BIG', name: 'x', percent_off: 101, duration: 'once' }).expect(
      400,
    );
    expect(documentedError(overflowing)).toMatchObject({ param: 'percent_off' });
    expect(await countRows(harness.db, 'coupons')).toBe(before);
  });
});
