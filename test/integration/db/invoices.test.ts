import { UniqueConstraintViolationException, wrap } from '@mikro-orm/core';
import { Customer, CustomerBalanceTransaction, Invoice, InvoiceLine } from '../../../src/db/entities';
import { loadInvoiceDocument } from '../../../src/activities/invoice-document';
import { createOrGetRenewalInvoice, finalizeInvoice, formatInvoiceNumber } from '../../../src/db/services';
import { buildDraftInvoice, determineTax, money, percentOff } from '../../../src/domain';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, monthlyDraft, seedSeller, seedSubscription, storeErrorCode } from './fixtures';

async function lastNumberOf(db: TestDatabase, year: number): Promise<number | null> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ last_number: number }[]>('select last_number from invoice_number_sequences where year = ?', [
      year,
    ]);
  return rows[0]?.last_number ?? null;
}

describe('invoice persistence on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork(), { timeZone: 'Europe/Berlin' });
  });

  afterAll(async () => {
    await db?.drop();
  });

  test('a second renewal-invoice call for the same period returns the first invoice and writes no second invoice or lines', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const input = {
      subscriptionId: subscription.id,
      periodIndex: 3,
      periodStart: '2026-04-15T00:00:00Z',
      periodEnd: '2026-05-15T00:00:00Z',
      draft: monthlyDraft(),
    };
    const first = await createOrGetRenewalInvoice(db.orm.em.fork(), input);
    const second = await createOrGetRenewalInvoice(db.orm.em.fork(), input);

    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.invoice.id).toBe(first.invoice.id);
    expect(first.invoice).toMatchObject({
      status: 'draft',
      number: null,
      subtotal: 4900,
      taxTotal: 931,
      total: 5831,
    });
    expect(second.lines.map((line) => [line.position, line.amount])).toEqual([[0, 4900]]);
    // The first call's invoice and lines are the rows its inserts returned, the second's were read: the same objects.
    expect(wrap(first.invoice).toObject()).toEqual(wrap(second.invoice).toObject());
    expect(first.lines.map((line) => wrap(line).toObject())).toEqual(
      second.lines.map((line) => wrap(line).toObject()),
    );
    expect(first.invoice.periodStart).toEqual(new Date('2026-04-15T00:00:00Z'));
    const em = db.orm.em.fork();
    expect(await em.count(Invoice, { subscription: subscription.id, periodIndex: 3 })).toBe(1);
    expect(await em.count(InvoiceLine, { invoice: first.invoice.id })).toBe(1);
  });

  test('ten concurrent renewal-invoice calls for one period create exactly one invoice', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        createOrGetRenewalInvoice(db.orm.em.fork(), {
          subscriptionId: subscription.id,
          periodIndex: 0,
          periodStart: '2026-01-15T00:00:00Z',
          periodEnd: '2026-02-15T00:00:00Z',
          draft: monthlyDraft(),
        }),
      ),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.invoice.id)).size).toBe(1);
    expect(await db.orm.em.fork().count(InvoiceLine, { invoice: results[0]!.invoice.id })).toBe(1);
  });

  test('the credit a renewal invoice applies leaves the balance once, even when the call is repeated', async () => {
    const em = db.orm.em.fork();
    const { subscription, customer } = await seedSubscription(em);
    customer.balance = 1000;
    customer.balanceCurrency = 'EUR';
    await em.flush();
    const input = {
      subscriptionId: subscription.id,
      periodIndex: 1,
      periodStart: '2026-02-15T00:00:00Z',
      periodEnd: '2026-03-15T00:00:00Z',
      draft: monthlyDraft(1000),
    };
    const first = await createOrGetRenewalInvoice(db.orm.em.fork(), input);
    await createOrGetRenewalInvoice(db.orm.em.fork(), input);

    expect(first.invoice).toMatchObject({ total: 5831, creditApplied: 1000, amountDue: 4831 });
    const check = db.orm.em.fork();
    expect((await check.findOneOrFail(Customer, customer.id)).balance).toBe(0);
    expect(await check.count(CustomerBalanceTransaction, { customer: customer.id })).toBe(1);
  });

  test('20 concurrent finalizations on separate forks get 20 consecutive numbers with no gap and no duplicate', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const ids = await createDrafts(db.orm.em, subscription.id, 20);

    const finalized = await Promise.all(
      ids.map((id) => finalizeInvoice(db.orm.em.fork(), id, { at: '2031-06-01T10:00:00Z' })),
    );

    const numbers = finalized.map((invoice) => invoice.number).sort();
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `2031-${String(i + 1).padStart(6, '0')}`));
    expect(await lastNumberOf(db, 2031)).toBe(20);
    const stored = await db.orm.em.fork().find(Invoice, { id: { $in: ids } });
    expect(stored.every((invoice) => invoice.status === 'open' && invoice.finalizedAt !== null)).toBe(true);
    expect(new Set(stored.map((invoice) => invoice.number)).size).toBe(20);
  });

  test('two finalizations of one invoice at once number it once: the other is refused and takes no number', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);
    const at = '2039-04-01T10:00:00Z';

    const outcomes = await Promise.all([
      storeErrorCode(finalizeInvoice(db.orm.em.fork(), id!, { at })),
      storeErrorCode(finalizeInvoice(db.orm.em.fork(), id!, { at })),
    ]);

    expect(outcomes.sort()).toEqual(['invoice_not_draft', 'no error']);
    expect(await lastNumberOf(db, 2039)).toBe(1);
    expect((await db.orm.em.fork().findOneOrFail(Invoice, id!)).number).toBe('2039-000001');
  });

  test('a crash after the number is taken, before commit, leaves the invoice a draft and the number unused', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);
    const crash = new Error('worker died before commit');

    // The caller's transaction wraps the finalization: the number is assigned and flushed, then the unit fails.
    await expect(
      db.orm.em.fork().transactional(async (tx) => {
        const invoice = await finalizeInvoice(tx, id!, { at: '2032-03-01T10:00:00Z' });
        expect(invoice.number).toBe('2032-000001');
        throw crash;
      }),
    ).rejects.toBe(crash);

    const invoice = await db.orm.em.fork().findOneOrFail(Invoice, id!);
    expect(invoice).toMatchObject({ status: 'draft', number: null, finalizedAt: null });
    expect(await lastNumberOf(db, 2032)).toBeNull();
    const retried = await finalizeInvoice(db.orm.em.fork(), id!, { at: '2032-03-01T10:00:00Z' });
    expect(retried.number).toBe('2032-000001');
  });

  test('a constraint violation during finalization consumes no number and leaves no half-written invoice', async () => {
    const em = db.orm.em.fork();
    const { subscription, customer } = await seedSubscription(em);
    // An invoice imported with the number the sequence will hand out next makes the finalizing update fail.
    em.create(Invoice, {
      customer,
      billingReason: 'manual',
      status: 'void',
      number: '2033-000001',
      finalizedAt: new Date('2033-01-02T00:00:00Z'),
      voidedAt: new Date('2033-01-02T00:00:00Z'),
      currency: 'EUR',
      subtotal: 100,
      discountTotal: 0,
      taxTotal: 0,
      total: 100,
      creditApplied: 0,
      creditToBalance: 0,
      amountDue: 100,
    });
    await em.flush();
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);

    await expect(
      finalizeInvoice(db.orm.em.fork(), id!, { at: '2033-02-01T10:00:00Z' }),
    ).rejects.toBeInstanceOf(UniqueConstraintViolationException);

    const invoice = await db.orm.em.fork().findOneOrFail(Invoice, id!);
    expect(invoice).toMatchObject({ status: 'draft', number: null, finalizedAt: null, version: 1 });
    expect(await lastNumberOf(db, 2033)).toBeNull();
  });

  test('finalizing an invoice that is no longer a draft is refused and keeps its number', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);
    const first = await finalizeInvoice(db.orm.em.fork(), id!, { at: '2034-05-01T10:00:00Z' });

    expect(await storeErrorCode(finalizeInvoice(db.orm.em.fork(), id!, { at: '2034-05-01T10:00:00Z' }))).toBe(
      'invoice_not_draft',
    );
    expect(await lastNumberOf(db, 2034)).toBe(1);
    expect((await db.orm.em.fork().findOneOrFail(Invoice, id!)).number).toBe(first.number);
  });

  test('numbers past six digits keep every digit, as formatInvoiceNumber writes them; a paid-at-once invoice is paid; a draft the caller holds is numbered in place', async () => {
    const em = db.orm.em.fork();
    const { subscription, customer } = await seedSubscription(em);
    customer.balance = 5831;
    customer.balanceCurrency = 'EUR';
    await em.flush();
    await em.execute(
      'insert into invoice_number_sequences (year, last_number) values (?, ?)',
      [2038, 999_998],
    );
    const [six, seven] = await createDrafts(db.orm.em, subscription.id, 2);
    const { invoice: free } = await createOrGetRenewalInvoice(db.orm.em.fork(), {
      subscriptionId: subscription.id,
      periodIndex: 2,
      periodStart: '2026-03-15T00:00:00Z',
      periodEnd: '2026-04-15T00:00:00Z',
      draft: monthlyDraft(5831),
    });
    expect(free.amountDue).toBe(0);

    const at = '2038-03-01T10:00:00Z';
    expect((await finalizeInvoice(db.orm.em.fork(), six!, { at })).number).toBe(
      formatInvoiceNumber('', 2038, 999_999),
    );
    const long = await finalizeInvoice(db.orm.em.fork(), seven!, { at });
    expect(long.number).toBe('2038-1000000');
    expect(long.number).toBe(formatInvoiceNumber('', 2038, 1_000_000));
    expect(long).toMatchObject({ status: 'open', finalizedAt: new Date(at), paidAt: null, version: 2 });
    const paid = await finalizeInvoice(db.orm.em.fork(), free.id, { at });
    expect(paid).toMatchObject({ status: 'paid', number: '2038-1000001', paidAt: new Date(at) });
    expect(await lastNumberOf(db, 2038)).toBe(1_000_001);
    // A finalized invoice is the row the numbering statement returned: the same as one read afresh.
    for (const finalized of [long, paid]) {
      const read = await db.orm.em.fork().findOneOrFail(Invoice, finalized.id);
      expect(wrap(finalized).toObject()).toEqual(wrap(read).toObject());
    }
    // An invoice the caller's identity map already holds as a draft is that same object, now numbered, and a flush
    // after it writes nothing over the number.
    const { subscription: another } = await seedSubscription(db.orm.em.fork());
    const [eight] = await createDrafts(db.orm.em, another.id, 1);
    const holder = db.orm.em.fork();
    const loaded = await holder.findOneOrFail(Invoice, eight!);
    const numbered = await finalizeInvoice(holder, eight!, { at });
    expect(numbered).toBe(loaded);
    expect(loaded).toMatchObject({ status: 'open', number: '2038-1000002', version: 2 });
    await holder.flush();
    expect(await db.orm.em.fork().findOneOrFail(Invoice, eight!)).toMatchObject({
      status: 'open',
      number: '2038-1000002',
      version: 2,
    });
  });

  test("the number's year is the seller's calendar year: 23:30 UTC on New Year's Eve is already next year in Berlin", async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);
    const invoice = await finalizeInvoice(db.orm.em.fork(), id!, { at: '2035-12-31T23:30:00Z' });
    expect(invoice.number).toBe('2036-000001');
  });

  test('a two-rate invoice keeps the rate of each line and one tax line per rate, and its document reads them back', async () => {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const draft = buildDraftInvoice({
      currency: 'EUR',
      items: [
        { kind: 'subscription', description: 'Beans', amount: money(3000, 'EUR'), taxCategory: 'reduced' },
        { kind: 'subscription', description: 'Grinder', amount: money(2000, 'EUR'), taxCategory: 'standard' },
      ],
      coupons: [
        { id: 'TEN', name: '10 %', discount: percentOff(10), duration: { type: 'once' }, timesRedeemed: 0 },
      ],
      tax: determineTax({ country: 'DE' }, { country: 'DE' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    const { invoice, lines } = await createOrGetRenewalInvoice(db.orm.em.fork(), {
      subscriptionId: subscription.id,
      periodIndex: 0,
      periodStart: '2026-01-15T00:00:00Z',
      periodEnd: '2026-02-15T00:00:00Z',
      draft,
    });

    expect(lines.map((line) => [line.description, line.amount, line.taxRateBp])).toEqual([
      ['Beans', 3000, 700],
      ['Grinder', 2000, 1900],
      ['10 %', -500, null],
    ]);
    expect(invoice).toMatchObject({ taxTotal: 342 + 189, total: 5031 });
    expect(invoice.taxes.map((tax) => [tax.rateBp, tax.taxable, tax.amount])).toEqual([
      [1900, 1800, 342],
      [700, 2700, 189],
    ]);
    const document = await loadInvoiceDocument(db.orm.em.fork(), invoice.id, 'Europe/Berlin');
    expect(document.lines.map((line) => line.taxRateBp)).toEqual([700, 1900, undefined]);
  });
});
