import { InvoiceItem } from '../../../src/db/entities';
import {
  attachInvoiceItems,
  createInvoiceItem,
  draftItemOf,
  pendingInvoiceItems,
  type NewInvoiceItem,
} from '../../../src/db/services';
import { buildDraftInvoice } from '../../../src/domain/invoice';
import { money } from '../../../src/domain/money';
import { determineTax } from '../../../src/domain/tax';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, seedSeller, seedSubscription, storeErrorCode, unique } from './fixtures';

describe('pending invoice items on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  const create = (input: NewInvoiceItem) => createInvoiceItem(db.orm.em.fork(), input);
  const ids = (items: InvoiceItem[]) => items.map((item) => item.id);

  test('a charge and a credit are stored pending with their defaults; the credit stays negative', async () => {
    const { customer, subscription } = await seedSubscription(db.orm.em.fork());
    const charge = await create({
      customerId: customer.id,
      currency: 'EUR',
      amount: 2500,
      description: 'Grinder rental',
    });
    const credit = await create({
      customerId: customer.id,
      subscriptionId: subscription.id,
      currency: 'EUR',
      amount: -700,
      description: 'Late delivery',
      quantity: 1,
      unitAmount: -700,
      periodStart: '2026-01-15T00:00:00Z',
      periodEnd: '2026-02-15T00:00:00Z',
    });

    const stored = await db.orm.em.fork().find(InvoiceItem, { id: { $in: [charge.id, credit.id] } });
    expect(charge.id).toMatch(/^ii_[0-9a-f]{24}$/);
    expect(stored.find((item) => item.id === charge.id)).toMatchObject({
      amount: 2500,
      quantity: 1,
      unitAmount: null,
      kind: 'one_off',
      invoice: null,
      subscription: null,
      periodStart: null,
    });
    expect(stored.find((item) => item.id === credit.id)).toMatchObject({
      amount: -700,
      unitAmount: -700,
      periodStart: new Date('2026-01-15T00:00:00Z'),
      periodEnd: new Date('2026-02-15T00:00:00Z'),
    });
  });

  test('the same idempotency key returns the first item, also to ten concurrent callers, and refuses another amount', async () => {
    const { customer } = await seedSubscription(db.orm.em.fork());
    const input: NewInvoiceItem = {
      customerId: customer.id,
      currency: 'EUR',
      amount: 1200,
      description: 'Setup call',
      idempotencyKey: unique('key'),
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => create(input)));
    const again = await create(input);

    expect(new Set([...ids(results), again.id]).size).toBe(1);
    expect(await db.orm.em.fork().count(InvoiceItem, { customer: customer.id })).toBe(1);
    expect(await storeErrorCode(create({ ...input, amount: 1300 }))).toBe('idempotency_conflict');
  });

  test('refuses unknown customers, foreign subscriptions, another currency than the subscription, unsafe amounts and reversed periods', async () => {
    const mine = await seedSubscription(db.orm.em.fork());
    const theirs = await seedSubscription(db.orm.em.fork());
    const base: NewInvoiceItem = {
      customerId: mine.customer.id,
      currency: 'EUR',
      amount: 100,
      description: 'Item',
    };

    expect(await storeErrorCode(create({ ...base, customerId: 'cus_000000000000000000000000' }))).toBe(
      'not_found',
    );
    expect(await storeErrorCode(create({ ...base, subscriptionId: theirs.subscription.id }))).toBe(
      'not_found',
    );
    expect(
      await storeErrorCode(create({ ...base, subscriptionId: mine.subscription.id, currency: 'USD' })),
    ).toBe('currency_mismatch');
    expect(await storeErrorCode(create({ ...base, amount: Number.MAX_SAFE_INTEGER + 1 }))).toBe(
      'invalid_input',
    );
    expect(await storeErrorCode(create({ ...base, amount: 1.5 }))).toBe('invalid_input');
    expect(
      await storeErrorCode(
        create({ ...base, periodStart: '2026-02-01T00:00:00Z', periodEnd: '2026-01-01T00:00:00Z' }),
      ),
    ).toBe('invalid_input');
    expect(await storeErrorCode(create({ ...base, periodStart: '2026-02-01T00:00:00Z' }))).toBe(
      'invalid_input',
    );
    expect(await db.orm.em.fork().count(InvoiceItem, { customer: mine.customer.id })).toBe(0);
  });

  test('the database itself refuses an amount JavaScript cannot hold exactly and a period without an end', async () => {
    const { customer } = await seedSubscription(db.orm.em.fork());
    const insert = (amount: string, periodEnd: string | null) =>
      db.orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into invoice_items (id, customer_id, currency, amount, description, period_start, period_end)
           values (?, ?, 'EUR', ${amount}, 'raw', '2026-01-01T00:00:00Z', ?)`,
          [unique('ii'), customer.id, periodEnd],
        );
    await expect(insert('9007199254740992', '2026-02-01T00:00:00Z')).rejects.toThrow(
      /invoice_items_amount_check/,
    );
    await expect(insert('-9007199254740992', '2026-02-01T00:00:00Z')).rejects.toThrow(
      /invoice_items_amount_check/,
    );
    await expect(insert('100', null)).rejects.toThrow(/invoice_items_period_check/);
    await expect(insert('-9007199254740991', '2026-02-01T00:00:00Z')).resolves.toBeDefined();
  });

  test("pending items of an invoice: its subscription's and the customer's own, oldest first; nothing of other subscriptions, currencies, customers or already billed", async () => {
    const em = db.orm.em.fork();
    const { customer, subscription } = await seedSubscription(em);
    const other = await seedSubscription(em);
    const sibling = await seedSubscription(em);
    // A second subscription of the same customer, whose items must not leak onto the first one's invoice.
    sibling.subscription.customer = customer;
    await em.flush();
    const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`;
    const item = (day: number, extra: Partial<NewInvoiceItem> = {}) =>
      create({
        customerId: customer.id,
        currency: 'EUR',
        amount: day * 100,
        description: `Day ${day}`,
        createdAt: at(day),
        ...extra,
      });

    const third = await item(3, { subscriptionId: subscription.id });
    const first = await item(1);
    const second = await item(2, { subscriptionId: subscription.id, kind: 'proration' });
    await item(4, { subscriptionId: sibling.subscription.id });
    await item(5, { currency: 'USD' });
    await create({ customerId: other.customer.id, currency: 'EUR', amount: 1, description: 'Other' });
    const billed = await item(6);
    const [invoiceId] = await createDrafts(db.orm.em, subscription.id, 1);
    expect(await attachInvoiceItems(db.orm.em.fork(), [billed.id], invoiceId!)).toBe(1);

    const forSubscription = await pendingInvoiceItems(db.orm.em.fork(), {
      customerId: customer.id,
      currency: 'EUR',
      subscriptionId: subscription.id,
    });
    expect(ids(forSubscription)).toEqual([first.id, second.id, third.id]);
    const withoutSubscription = await pendingInvoiceItems(db.orm.em.fork(), {
      customerId: customer.id,
      currency: 'EUR',
      subscriptionId: null,
    });
    expect(ids(withoutSubscription)).toEqual([first.id]);
  });

  test('attaching marks only pending items that fit the invoice, once; a rolled-back invoice leaves them pending', async () => {
    const { customer, subscription } = await seedSubscription(db.orm.em.fork());
    const stranger = await seedSubscription(db.orm.em.fork());
    const [invoiceId, laterInvoiceId] = await createDrafts(db.orm.em, subscription.id, 2);
    const mine = await Promise.all(
      [100, -40].map((amount) =>
        create({ customerId: customer.id, currency: 'EUR', amount, description: `Item ${amount}` }),
      ),
    );
    const foreign = await create({
      customerId: stranger.customer.id,
      currency: 'EUR',
      amount: 100,
      description: 'Not yours',
    });

    const rollback = new Error('invoice abandoned');
    await expect(
      db.orm.em.fork().transactional(async (tx) => {
        expect(await attachInvoiceItems(tx, ids(mine), invoiceId!)).toBe(2);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const pendingAfterRollback = await pendingInvoiceItems(db.orm.em.fork(), {
      customerId: customer.id,
      currency: 'EUR',
      subscriptionId: subscription.id,
    });
    expect(ids(pendingAfterRollback).sort()).toEqual(ids(mine).sort());

    expect(await attachInvoiceItems(db.orm.em.fork(), [...ids(mine), foreign.id], invoiceId!)).toBe(2);
    expect(await attachInvoiceItems(db.orm.em.fork(), ids(mine), laterInvoiceId!)).toBe(0);
    const stored = await db.orm.em.fork().find(InvoiceItem, { id: { $in: [...ids(mine), foreign.id] } });
    expect(stored.map((item) => [item.id, item.invoice?.id ?? null]).sort()).toEqual(
      [...ids(mine).map((id) => [id, invoiceId]), [foreign.id, null]].sort(),
    );
  });

  test('two invoices attaching the same items concurrently: each item is billed by exactly one of them', async () => {
    const { customer, subscription } = await seedSubscription(db.orm.em.fork());
    const [a, b] = await createDrafts(db.orm.em, subscription.id, 2);
    const items = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        create({ customerId: customer.id, currency: 'EUR', amount: 10 + i, description: `Item ${i}` }),
      ),
    );
    const counts = await Promise.all(
      [a!, b!].map((invoiceId) =>
        db.orm.em.fork().transactional((tx) => attachInvoiceItems(tx, ids(items), invoiceId)),
      ),
    );
    expect(counts.reduce((total, count) => total + count, 0)).toBe(5);
    expect(counts.sort()).toEqual([0, 5]);
  });

  test('a pending item becomes a draft line of its own kind, signed, with its period', async () => {
    const { customer } = await seedSubscription(db.orm.em.fork());
    const credit = await create({
      customerId: customer.id,
      currency: 'EUR',
      amount: -500,
      description: 'Goodwill',
      periodStart: '2026-03-01T00:00:00Z',
      periodEnd: '2026-04-01T00:00:00Z',
    });
    const fee = await create({
      customerId: customer.id,
      currency: 'EUR',
      amount: 1500,
      description: 'Dispute fee',
      kind: 'dispute_fee',
    });
    const draft = buildDraftInvoice({
      currency: 'EUR',
      items: [credit, fee].map(draftItemOf),
      tax: determineTax({ country: 'DE', vatId: 'DE123456789' }, { country: 'DE' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(draft.lines).toEqual([
      {
        kind: 'one_off',
        description: 'Goodwill',
        amount: -500,
        quantity: 1,
        periodStart: '2026-03-01T00:00:00.000Z',
        periodEnd: '2026-04-01T00:00:00.000Z',
        taxRateBp: 1900,
      },
      { kind: 'dispute_fee', description: 'Dispute fee', amount: 1500, quantity: 1, taxRateBp: 1900 },
    ]);
    // 19 % of the net 10.00.
    expect(draft).toMatchObject({ subtotal: 1000, total: 1190, amountDue: 1190 });
  });
});
