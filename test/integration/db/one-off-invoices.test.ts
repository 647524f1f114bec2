import {
  Customer,
  CustomerBalanceTransaction,
  Invoice,
  InvoiceItem,
  InvoiceLine,
} from '../../../src/db/entities';
import {
  attachInvoiceItems,
  createInvoiceItem,
  createManualInvoice,
  createOneOffInvoice,
  createOrGetRenewalInvoice,
  type OneOffInvoiceInput,
} from '../../../src/db/services';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, monthlyDraft, seedSeller, seedSubscription, storeErrorCode, unique } from './fixtures';

describe('manual and one-off invoices on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  const invoiceId = () => `in_${unique('x').slice(2, 26)}`;

  /** Polls PostgreSQL until some statement of this database waits for a row lock: the race is then set up. */
  async function untilSomeoneWaitsForALock(): Promise<void> {
    for (let tries = 0; tries < 400; tries += 1) {
      const [row] = await db.orm.em.getConnection().execute<{ waiting: number }[]>(
        `select count(*)::int as waiting from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if ((row?.waiting ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('no statement ever waited for a lock');
  }

  test('a manual invoice is created once per id, without a subscription, and books its credit once', async () => {
    const em = db.orm.em.fork();
    const { customer } = await seedSubscription(em);
    customer.balance = 1000;
    customer.balanceCurrency = 'EUR';
    await em.flush();
    const input = { customerId: customer.id, invoiceId: invoiceId(), draft: monthlyDraft(1000) };

    const first = await createManualInvoice(db.orm.em.fork(), input);
    const second = await createManualInvoice(db.orm.em.fork(), input);

    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, invoice: { id: first.invoice.id } });
    expect(first.invoice).toMatchObject({
      billingReason: 'manual',
      subscription: null,
      periodIndex: null,
      periodStart: null,
      status: 'draft',
      total: 5831,
      creditApplied: 1000,
      amountDue: 4831,
    });
    const check = db.orm.em.fork();
    expect(await check.count(InvoiceLine, { invoice: first.invoice.id })).toBe(1);
    expect(await check.count(CustomerBalanceTransaction, { customer: customer.id })).toBe(1);
    expect((await check.findOneOrFail(Customer, customer.id)).balance).toBe(0);
    expect(
      await storeErrorCode(
        createManualInvoice(db.orm.em.fork(), { ...input, customerId: 'cus_000000000000000000000000' }),
      ),
    ).toBe('not_found');
  });

  test('a mid-period subscription invoice stays keyed by its id (the path invoice changes take)', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const input = {
      subscriptionId: subscription.id,
      periodIndex: null,
      invoiceId: invoiceId(),
      billingReason: 'subscription_update' as const,
      periodStart: '2026-01-20T00:00:00Z',
      periodEnd: '2026-02-15T00:00:00Z',
      draft: monthlyDraft(),
    };
    const first = await createOrGetRenewalInvoice(db.orm.em.fork(), input);
    const second = await createOrGetRenewalInvoice(db.orm.em.fork(), input);
    expect(first).toMatchObject({ created: true, invoice: { id: input.invoiceId, periodIndex: null } });
    expect(second).toMatchObject({ created: false, invoice: { id: input.invoiceId } });
    expect(await db.orm.em.fork().count(Invoice, { subscription: subscription.id })).toBe(1);
  });

  const oneOff = (customerId: string, overrides: Partial<OneOffInvoiceInput> = {}): OneOffInvoiceInput => ({
    invoiceId: invoiceId(),
    customerId,
    currency: 'EUR',
    lines: [],
    includePendingItems: true,
    at: '2026-06-01T12:00:00Z',
    ...overrides,
  });

  test('two concurrent one-off invoices of one customer: the pending items go on exactly one of them', async () => {
    const { customer } = await seedSubscription(db.orm.em.fork());
    for (const amount of [100, 200, 300]) {
      await createInvoiceItem(db.orm.em.fork(), {
        customerId: customer.id,
        currency: 'EUR',
        amount,
        description: `Item ${amount}`,
      });
    }

    const outcomes = await Promise.all(
      [oneOff(customer.id), oneOff(customer.id)].map((input) =>
        createOneOffInvoice(db.orm.em.fork(), input).then(
          (result) => result.invoice.subtotal,
          (error: unknown) => storeErrorCode(Promise.reject(error)),
        ),
      ),
    );

    expect([...outcomes].sort()).toEqual([600, 'nothing_to_invoice']);
    const items = await db.orm.em.fork().find(InvoiceItem, { customer: customer.id });
    expect(new Set(items.map((item) => item.invoice?.id)).size).toBe(1);
  });

  test('an item a renewal bills while a one-off invoice is being made rolls the one-off invoice back: nothing billed twice, no number used', async () => {
    const { customer, subscription } = await seedSubscription(db.orm.em.fork());
    const [renewalId] = await createDrafts(db.orm.em, subscription.id, 1);
    const contested = await createInvoiceItem(db.orm.em.fork(), {
      customerId: customer.id,
      currency: 'EUR',
      amount: 500,
      description: 'Contested',
    });
    const other = await createInvoiceItem(db.orm.em.fork(), {
      customerId: customer.id,
      currency: 'EUR',
      amount: 700,
      description: 'Other',
    });
    const input = oneOff(customer.id, { at: '2044-01-01T00:00:00Z' });

    let pending: Promise<unknown> = Promise.resolve();
    await db.orm.em.fork().transactional(async (tx) => {
      // The renewal has taken the item but not committed: the one-off invoice still sees it pending.
      expect(await attachInvoiceItems(tx, [contested.id], renewalId!)).toBe(1);
      pending = createOneOffInvoice(db.orm.em.fork(), input);
      pending.catch(() => undefined);
      await untilSomeoneWaitsForALock();
    });

    expect(await storeErrorCode(pending)).toBe('invoice_items_changed');
    const check = db.orm.em.fork();
    expect(await check.findOne(Invoice, input.invoiceId)).toBeNull();
    const items = await check.find(InvoiceItem, { id: { $in: [contested.id, other.id] } });
    expect(Object.fromEntries(items.map((item) => [item.description, item.invoice?.id ?? null]))).toEqual({
      Contested: renewalId,
      Other: null,
    });
    const sequence = await check
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from invoice_number_sequences where year = 2044');
    expect(sequence[0]?.n).toBe(0);

    // Retried, it bills what is still pending.
    const retried = await createOneOffInvoice(db.orm.em.fork(), input);
    expect(retried.invoice).toMatchObject({ subtotal: 700, status: 'open', number: '2044-000001' });
  });
});
