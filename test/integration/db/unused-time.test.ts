import { Customer, CustomerBalanceTransaction, Invoice } from '../../../src/db/entities';
import { creditUnusedTime } from '../../../src/activities/unused-time';
import type { UnusedPeriodRequest } from '../../../src/activities/lifecycle.contract';
import { finalizeInvoice, recordPaymentAttempt, recordPaymentResult } from '../../../src/db/services';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, seedSeller, seedSubscription } from './fixtures';

/** A pause on 30 January crediting the rest of the period 15 January – 15 February (period 0). */
const pauseCredit = (subscriptionId: string, customerId: string): UnusedPeriodRequest => ({
  subscriptionId,
  periodIndex: 0,
  customerId,
  currency: 'EUR',
  period: { start: '2026-01-15T00:00:00.000Z', end: '2026-02-15T00:00:00.000Z' },
  at: '2026-01-30T00:00:00.000Z',
  disposition: 'credit',
  causeKey: `${subscriptionId}:pause:0`,
});

describe('the unused time of a paid period credited to the balance', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  test('a credit retried at a later instant stands as first made: one balance row, the first amount', async () => {
    const { subscription, customer } = await seedSubscription(db.orm.em.fork());
    const [invoiceId = ''] = await createDrafts(db.orm.em.fork(), subscription.id, 1);
    await finalizeInvoice(db.orm.em.fork(), invoiceId, { at: '2026-01-15T00:00:00Z' });
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
      status: 'succeeded',
      gatewayReference: 'ch_unused',
      at: '2026-01-15T00:01:00Z',
    });
    expect((await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).status).toBe('paid');
    const request = pauseCredit(subscription.id, customer.id);
    // 16 of 31 days of the 58.31 EUR paid: 30.10.
    const first = await creditUnusedTime(db.orm.em.fork(), request);
    expect(first).toBe(3010);
    // As a commit whose workflow task was lost would ask when it runs again, hours later after an outage.
    const again = await creditUnusedTime(db.orm.em.fork(), { ...request, at: '2026-01-30T03:00:00.000Z' });
    expect(again).toBe(first);
    const em = db.orm.em.fork();
    expect(await em.count(CustomerBalanceTransaction, { sourceKey: request.causeKey })).toBe(1);
    expect((await em.findOneOrFail(Customer, customer.id)).balance).toBe(3010);
  });

  test('nothing is credited for a period that was not paid', async () => {
    const { subscription, customer } = await seedSubscription(db.orm.em.fork());
    await createDrafts(db.orm.em.fork(), subscription.id, 1);
    const credited = await creditUnusedTime(db.orm.em.fork(), pauseCredit(subscription.id, customer.id));
    expect(credited).toBe(0);
    expect((await db.orm.em.fork().findOneOrFail(Customer, customer.id)).balance).toBe(0);
  });
});
