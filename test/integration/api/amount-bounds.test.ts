import request from 'supertest';
import { Meter, Product } from '../../../src/db/entities';
import { createPlan } from '../../../src/db/services/catalog';
import {
  DomainError,
  MAX_AMOUNT_OFF,
  MAX_PERIOD_AMOUNT,
  MAX_QUANTITY,
  MAX_SETUP_FEE,
  MAX_USAGE_QUANTITY,
} from '../../../src/domain';
import { tableSnapshot } from '../../support/database';
import { documentedError, startApiHarness, type ApiHarness } from './harness';

/**
 * Overflow at creation: a plan or coupon whose amounts could take an invoice past 2^53 − 1 is refused with a 400
 * `amount_out_of_range` naming the field, and nothing is written; at the bound it is accepted. The bounds and
 * their arithmetic are in src/domain/limits.ts (unit and property tests in test/unit/domain/limits.test.ts).
 */
describe('amount bounds: plans and coupons that could overflow an invoice are refused when created', () => {
  let h: ApiHarness;
  let productId: string;
  let meterId: string;

  const createPlanWith = (body: Record<string, unknown>) =>
    request(h.app)
      .post('/v1/plans')
      .set(h.auth)
      .send({ product_id: productId, name: 'Bounded', interval: 'month', ...body });

  beforeAll(async () => {
    h = await startApiHarness();
    productId = (await request(h.app).post('/v1/products').set(h.auth).send({ name: 'P' }).expect(201)).body
      .id;
    // Meters have no API yet; a metered plan only needs one to exist.
    const em = h.db.orm.em.fork();
    const meter = em.create(Meter, { name: 'API calls', eventName: 'api_call', aggregation: 'sum' });
    await em.flush();
    meterId = meter.id;
  });

  afterAll(async () => {
    await h?.close();
  });

  const tiers = (first: number, flat = 0) => ({
    EUR: [
      { up_to: 10, unit_amount: first },
      { up_to: null, unit_amount: 1, ...(flat ? { flat_amount: flat } : {}) },
    ],
  });

  /** [what, body at the bound, body just beyond it, the field a refusal names] */
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
    [
      'flat: 10^13 per period',
      { pricing_model: 'flat', amounts: { EUR: MAX_PERIOD_AMOUNT } },
      { pricing_model: 'flat', amounts: { EUR: MAX_PERIOD_AMOUNT + 1 } },
      'amounts.EUR',
    ],
    [
      'per unit: 10^13 / 100 000 seats = 10^8 per seat',
      { amounts: { EUR: MAX_PERIOD_AMOUNT / MAX_QUANTITY } },
      { amounts: { EUR: MAX_PERIOD_AMOUNT / MAX_QUANTITY + 1 } },
      'amounts.EUR',
    ],
    [
      'per unit, the second currency beyond',
      { amounts: { EUR: 1900, JPY: MAX_PERIOD_AMOUNT / MAX_QUANTITY } },
      { amounts: { EUR: 1900, JPY: MAX_PERIOD_AMOUNT / MAX_QUANTITY + 1 } },
      'amounts.JPY',
    ],
    [
      'package: 100 000 units = 4000 packages of 25',
      { pricing_model: 'package', units_per_package: 25, amounts: { EUR: MAX_PERIOD_AMOUNT / 4000 } },
      { pricing_model: 'package', units_per_package: 25, amounts: { EUR: MAX_PERIOD_AMOUNT / 4000 + 1 } },
      'amounts.EUR',
    ],
    [
      'graduated: 10 × (10^12 − 9 999) + 99 990 × 1 = 10^13',
      { pricing_model: 'graduated', tiers: tiers(MAX_PERIOD_AMOUNT / 10 - 9_999) },
      { pricing_model: 'graduated', tiers: tiers(MAX_PERIOD_AMOUNT / 10 - 9_999, 1) },
      'tiers.EUR',
    ],
    [
      'volume: largest at 10 units, not at 100 000',
      { pricing_model: 'volume', tiers: tiers(MAX_PERIOD_AMOUNT / 10) },
      { pricing_model: 'volume', tiers: tiers(MAX_PERIOD_AMOUNT / 10 + 1) },
      'tiers.EUR',
    ],
    [
      'setup fee',
      { amounts: { EUR: 1900 }, setup_fees: { EUR: MAX_SETUP_FEE } },
      { amounts: { EUR: 1900 }, setup_fees: { EUR: MAX_SETUP_FEE + 1 } },
      'setup_fees.EUR',
    ],
  ];

  test.each(cases)(
    '%s: at the bound 201, one beyond 400 naming the field, nothing written',
    async (_what, atBound, beyond, param) => {
      const before = await tableSnapshot(h.db.orm);
      const refused = await createPlanWith(beyond);
      expect({ status: refused.status, ...documentedError(refused) }).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        code: 'amount_out_of_range',
        param,
      });
      expect(await tableSnapshot(h.db.orm)).toBe(before);
      const accepted = await createPlanWith(atBound).expect(201);
      const plan = (await request(h.app).get(`/v1/plans/${accepted.body.id}`).set(h.auth).expect(200)).body;
      expect({ amounts: plan.amounts, tiers: plan.tiers, setup_fees: plan.setup_fees }).toEqual({
        amounts: atBound.amounts ?? null,
        tiers: atBound.tiers ?? null,
        setup_fees: atBound.setup_fees ?? {},
      });
    },
  );

  test('the issue: a per-unit price of 2^53 − 1 is refused, not accepted to overflow at the first invoice', async () => {
    const before = await tableSnapshot(h.db.orm);
    for (const pricing_model of ['per_unit', 'flat']) {
      const refused = await createPlanWith({ pricing_model, amounts: { EUR: Number.MAX_SAFE_INTEGER } });
      expect({ status: refused.status, ...documentedError(refused) }).toMatchObject({
        status: 400,
        code: 'amount_out_of_range',
        param: 'amounts.EUR',
      });
    }
    expect(await tableSnapshot(h.db.orm)).toBe(before);
  });

  test('a metered plan is bounded at 10^9 units of usage: 100.00 EUR per unit at most', async () => {
    const perUsageUnit = MAX_PERIOD_AMOUNT / MAX_USAGE_QUANTITY;
    const before = await tableSnapshot(h.db.orm);
    const refused = await createPlanWith({ meter_id: meterId, amounts: { EUR: perUsageUnit + 1 } });
    expect({ status: refused.status, ...documentedError(refused) }).toMatchObject({
      status: 400,
      code: 'amount_out_of_range',
      param: 'amounts.EUR',
    });
    expect(await tableSnapshot(h.db.orm)).toBe(before);
    await createPlanWith({ meter_id: meterId, amounts: { EUR: perUsageUnit } }).expect(201);
    // The same price is far inside the seat bound of a licensed plan.
    await createPlanWith({ amounts: { EUR: perUsageUnit + 1 } }).expect(201);
  });

  test('the catalogue service refuses the same prices for callers other than the API', async () => {
    const em = h.db.orm.em.fork();
    const product = await em.findOneOrFail(Product, productId);
    const before = await tableSnapshot(h.db.orm);
    const attempt = createPlan(em, {
      product,
      meter: null,
      name: 'Direct',
      intervalUnit: 'month',
      intervalCount: 1,
      pricing: { model: 'per_unit', amounts: { EUR: Number.MAX_SAFE_INTEGER } },
      setupFees: {},
      trialDays: 0,
      taxBehavior: 'exclusive',
      active: true,
    });
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    await expect(attempt).rejects.toMatchObject({ code: 'amount_out_of_range' });
    expect(await tableSnapshot(h.db.orm)).toBe(before);
  });

  test('coupons: amount_off up to half of 2^53 accepted, beyond refused naming amount_off', async () => {
    const coupon = (code: string, amountOff: number) =>
      request(h.app).post('/v1/coupons').set(h.auth).send({
        code,
        name: code,
        amount_off: amountOff,
        currency: 'EUR',
        duration: 'once',
      });
    const before = await tableSnapshot(h.db.orm);
    for (const amountOff of [MAX_AMOUNT_OFF + 1, Number.MAX_SAFE_INTEGER]) {
      const refused = await coupon(`BIG${amountOff}`, amountOff);
      expect({ status: refused.status, ...documentedError(refused) }).toMatchObject({
        status: 400,
        code: 'amount_out_of_range',
        param: 'amount_off',
      });
    }
    expect(await tableSnapshot(h.db.orm)).toBe(before);
    const accepted = await coupon('LARGEST', MAX_AMOUNT_OFF).expect(201);
    expect(accepted.body.amount_off).toBe(MAX_AMOUNT_OFF);
  });
});
