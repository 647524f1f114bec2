import { Customer, DomainEvent, UsageEvent } from '../../../src/db/entities';
import {
  appendDomainEvent,
  applyCustomerCredit,
  adjustCustomerBalance,
  createCreditNote,
  finalizeInvoice,
  ingestUsageEvents,
  recordPaymentAttempt,
  recordPaymentResult,
} from '../../../src/db/services';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, seedSeller, seedSubscription, storeErrorCode } from './fixtures';

describe('usage, events and credit on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  test('usage records with a client id the subscription already has are ignored, within a batch and across batches', async () => {
    const { subscription, meter } = await seedSubscription(db.orm.em.fork());
    const at = '2026-01-20T12:00:00Z';
    const batch = (ids: string[]) => ({
      subscriptionId: subscription.id,
      meterId: meter.id,
      records: ids.map((clientId) => ({ clientId, quantity: 5, occurredAt: at })),
    });

    expect(await ingestUsageEvents(db.orm.em.fork(), batch(['u1', 'u2', 'u2', 'u3']))).toEqual({
      inserted: 3,
      duplicates: 1,
    });
    expect(await ingestUsageEvents(db.orm.em.fork(), batch(['u3', 'u4']))).toEqual({
      inserted: 1,
      duplicates: 1,
    });

    const stored = await db.orm.em
      .fork()
      .find(UsageEvent, { subscription: subscription.id }, { orderBy: { clientId: 'asc' } });
    expect(stored.map((event) => event.clientId)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(stored.reduce((acc, event) => acc + event.quantity, 0)).toBe(20);
  });

  test('the same client id is accepted once for each subscription', async () => {
    const a = await seedSubscription(db.orm.em.fork());
    const b = await seedSubscription(db.orm.em.fork());
    const record = { clientId: 'same-id', quantity: 1, occurredAt: '2026-01-20T12:00:00Z' };
    const resultA = await ingestUsageEvents(db.orm.em.fork(), {
      subscriptionId: a.subscription.id,
      meterId: a.meter.id,
      records: [record],
    });
    const resultB = await ingestUsageEvents(db.orm.em.fork(), {
      subscriptionId: b.subscription.id,
      meterId: b.meter.id,
      records: [record],
    });
    expect([resultA.inserted, resultB.inserted]).toEqual([1, 1]);
  });

  test('appending a domain event twice under one key keeps one event with the first data', async () => {
    const input = {
      key: 'subscription-sub_x:7',
      type: 'subscription.renewed',
      subscriptionId: 'sub_x',
      data: { periodIndex: 7 },
      occurredAt: '2026-08-15T00:00:00Z',
    };
    const first = await appendDomainEvent(db.orm.em.fork(), input);
    const second = await appendDomainEvent(db.orm.em.fork(), { ...input, data: { periodIndex: 8 } });

    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.event.id).toBe(first.event.id);
    expect(second.event.data).toEqual({ periodIndex: 7 });
    expect(await db.orm.em.fork().count(DomainEvent, { key: input.key })).toBe(1);
  });

  test('credit granted twice for one cause moves the balance once; spending beyond it is refused and changes nothing', async () => {
    const { customer } = await seedSubscription(db.orm.em.fork());
    const grant = {
      customerId: customer.id,
      amount: 1500,
      currency: 'EUR',
      sourceKey: 'cancel:sub_y:unused',
      description: 'Unused time',
    };
    await applyCustomerCredit(db.orm.em.fork(), grant);
    await applyCustomerCredit(db.orm.em.fork(), grant);
    expect(
      await storeErrorCode(
        adjustCustomerBalance(db.orm.em.fork(), { ...grant, amount: -1501, sourceKey: 'spend:too-much' }),
      ),
    ).toBe('insufficient_credit');

    expect(await db.orm.em.fork().findOneOrFail(Customer, customer.id)).toMatchObject({
      balance: 1500,
      balanceCurrency: 'EUR',
    });
  });

  test('a credit note on a paid invoice credits the balance once and cannot exceed the invoice total', async () => {
    const { subscription, customer } = await seedSubscription(db.orm.em.fork());
    const [invoiceId] = await createDrafts(db.orm.em, subscription.id, 1);
    await finalizeInvoice(db.orm.em.fork(), invoiceId!, { at: '2026-02-15T00:00:00Z' });
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId: invoiceId!,
      attempt: 1,
      gateway: 'sandbox',
    });
    await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
      status: 'succeeded',
      gatewayReference: 'ch_cn',
    });
    const note = {
      invoiceId: invoiceId!,
      amount: 2000,
      reason: 'Beans arrived late',
      outcome: 'credit_balance' as const,
      idempotencyKey: 'cn-late-beans',
    };

    expect((await createCreditNote(db.orm.em.fork(), note)).created).toBe(true);
    expect((await createCreditNote(db.orm.em.fork(), note)).created).toBe(false);
    expect(
      await storeErrorCode(
        createCreditNote(db.orm.em.fork(), { ...note, amount: 3832, idempotencyKey: 'cn-too-much' }),
      ),
    ).toBe('amount_exceeds_remaining');
    expect((await db.orm.em.fork().findOneOrFail(Customer, customer.id)).balance).toBe(2000);
  });
});
