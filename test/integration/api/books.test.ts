import type { EntityManager } from '@mikro-orm/postgresql';
import request from 'supertest';
import {
  CreditNote,
  Customer,
  PaymentAttempt,
  Plan,
  PlanPrice,
  Product,
  Refund,
  Subscription,
  TestClock,
} from '../../../src/db/entities';
import { newId } from '../../../src/db/ids';
import { createCreditNote } from '../../../src/db/services/credit-notes';
import { createOrGetRenewalInvoice, finalizeInvoice } from '../../../src/db/services/invoices';
import {
  paymentIdempotencyKey,
  recordPaymentAttempt,
  recordPaymentResult,
  recordRefund,
} from '../../../src/db/services/payments';
import { buildDraftInvoice, type InvoiceItemInput } from '../../../src/domain/invoice';
import { money } from '../../../src/domain/money';
import { determineTax } from '../../../src/domain/tax';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { datevCents, parseDatev } from '../../support/datev';

/**
 * Revenue recognition, the journal, the DATEV export and receivables aging, read through the API from documents
 * seeded with fixed dates (seller in Europe/Berlin):
 *
 * - Jürgen Weiß (DE consumer), "Coffee" monthly: invoice 2026-01-15 for Jan 15 – Feb 15 (31 days), 31.00 net +
 *   19 % = 36.89, paid the same day; credit note 2026-02-01 of 11.90 (10.00 net + 1.90 VAT), refunded.
 * - Café de la Paix (FR business, VAT id): "Roastery Pro" yearly, invoice 2026-01-01 for 2026 (365 days), 365.00,
 *   reverse charge, paid the same day.
 * - Anna Huber (AT consumer): a one-off setup fee of 50.00 + 20 % AT VAT = 60.00 on 2026-02-03, due 2026-02-17,
 *   paid 2026-05-01.
 * - Tess Testmode on a test clock: a paid invoice in January that no figure may contain.
 */
describe('the books through the API', () => {
  let stack: ApiStack;
  let call: ApiCall;
  const ids: Record<string, string> = {};

  async function subscription(
    em: EntityManager,
    customer: Customer,
    plan: Plan,
    start: string,
    end: string,
  ): Promise<Subscription> {
    const row = em.create(Subscription, {
      customer,
      plan,
      status: 'active',
      currency: 'EUR',
      billingAnchor: new Date(start),
      timeZone: 'Europe/Berlin',
      currentPeriodStart: new Date(start),
      currentPeriodEnd: new Date(end),
      workflowId: `subscription-books-${customer.id}`,
    });
    await em.flush();
    return row;
  }

  /** An invoice as the workflow makes one: the draft from the domain, stored, finalized at `at`, paid at `paidAt`. */
  async function invoice(
    em: EntityManager,
    input: {
      customer: Customer;
      subscription: Subscription;
      items: InvoiceItemInput[];
      period: [string, string];
      at: string;
      dueAt?: string;
      paidAt?: string;
    },
  ): Promise<string> {
    const draft = buildDraftInvoice({
      currency: 'EUR',
      items: input.items,
      tax: determineTax(
        { country: 'DE', vatId: 'DE123456789' },
        { country: input.customer.country, ...(input.customer.vatId ? { vatId: input.customer.vatId } : {}) },
      ),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    const { invoice: created } = await createOrGetRenewalInvoice(em, {
      subscriptionId: input.subscription.id,
      periodIndex: null,
      invoiceId: newId('in'),
      billingReason: 'manual',
      periodStart: input.period[0],
      periodEnd: input.period[1],
      draft,
      ...(input.dueAt ? { dueAt: input.dueAt } : {}),
    });
    await finalizeInvoice(em, created.id, { at: input.at });
    if (input.paidAt) {
      await recordPaymentAttempt(em, { invoiceId: created.id, attempt: 1, gateway: 'sandbox' });
      await recordPaymentResult(em, paymentIdempotencyKey(created.id, 1), {
        status: 'succeeded',
        gatewayReference: `ch_${created.id}`,
        at: input.paidAt,
      });
    }
    return created.id;
  }

  beforeAll(async () => {
    stack = await startApiStack('books');
    call = supertestCall(stack.app, stack.auth);
    await ok(call, 'PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
      time_zone: 'Europe/Berlin',
    });
    await ok(call, 'PUT', '/v1/settings/accounting', {
      chart: 'skr03',
      datev: { consultant_number: 29098, client_number: 55003 },
    });

    const em = stack.db.orm.em.fork();
    const coffee = em.create(Product, { name: 'Coffee' });
    const roastery = em.create(Product, { name: 'Roastery Pro' });
    const monthly = em.create(Plan, {
      product: coffee,
      name: 'Monthly beans',
      intervalUnit: 'month',
      intervalCount: 1,
      pricingModel: 'flat',
    });
    const yearly = em.create(Plan, {
      product: roastery,
      name: 'Roastery yearly',
      intervalUnit: 'year',
      intervalCount: 1,
      pricingModel: 'flat',
    });
    em.create(PlanPrice, { plan: monthly, currency: 'EUR', scheme: { model: 'flat', amount: 3100 } });
    em.create(PlanPrice, { plan: yearly, currency: 'EUR', scheme: { model: 'flat', amount: 36_500 } });
    const jurgen = em.create(Customer, {
      email: 'juergen@example.test',
      name: 'Jürgen Weiß',
      country: 'DE',
      createdAt: new Date('2025-12-01T00:00:00Z'),
    });
    const cafe = em.create(Customer, {
      email: 'compta@cafe.example',
      name: 'Café de la Paix SARL',
      country: 'FR',
      vatId: 'FR12345678901',
      createdAt: new Date('2025-12-02T00:00:00Z'),
    });
    const anna = em.create(Customer, {
      email: 'anna@example.test',
      name: 'Anna Huber',
      country: 'AT',
      createdAt: new Date('2025-12-03T00:00:00Z'),
    });
    const clock = em.create(TestClock, { frozenTime: new Date('2026-01-20T00:00:00Z') });
    const tess = em.create(Customer, {
      email: 'tess@example.test',
      name: 'Tess Testmode',
      country: 'DE',
      testClockId: clock.id,
      createdAt: new Date('2025-11-01T00:00:00Z'),
    });
    await em.flush();
    ids.coffee = coffee.id;
    ids.roastery = roastery.id;
    ids.jurgen = jurgen.id;
    ids.cafe = cafe.id;
    ids.anna = anna.id;

    // Berlin midnight of Jan 15 is 23:00 UTC the day before.
    const jurgenSub = await subscription(em, jurgen, monthly, '2026-01-14T23:00:00Z', '2026-02-14T23:00:00Z');
    ids.jurgenInvoice = await invoice(em, {
      customer: jurgen,
      subscription: jurgenSub,
      items: [
        {
          kind: 'subscription',
          description: 'Monthly beans',
          amount: money(3100, 'EUR'),
          periodStart: '2026-01-14T23:00:00.000Z',
          periodEnd: '2026-02-14T23:00:00.000Z',
        },
      ],
      period: ['2026-01-14T23:00:00.000Z', '2026-02-14T23:00:00.000Z'],
      at: '2026-01-14T23:00:00.000Z',
      paidAt: '2026-01-14T23:00:05.000Z',
    });
    const cafeSub = await subscription(em, cafe, yearly, '2025-12-31T23:00:00Z', '2026-12-31T23:00:00Z');
    ids.cafeInvoice = await invoice(em, {
      customer: cafe,
      subscription: cafeSub,
      items: [
        {
          kind: 'subscription',
          description: 'Roastery yearly',
          amount: money(36_500, 'EUR'),
          periodStart: '2025-12-31T23:00:00.000Z',
          periodEnd: '2026-12-31T23:00:00.000Z',
        },
      ],
      period: ['2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z'],
      at: '2025-12-31T23:00:00.000Z',
      paidAt: '2025-12-31T23:00:05.000Z',
    });
    const annaSub = await subscription(em, anna, monthly, '2026-02-02T23:00:00Z', '2026-03-02T23:00:00Z');
    ids.annaInvoice = await invoice(em, {
      customer: anna,
      subscription: annaSub,
      items: [{ kind: 'setup_fee', description: 'Setup', amount: money(5000, 'EUR') }],
      period: ['2026-02-02T23:00:00.000Z', '2026-03-02T23:00:00.000Z'],
      at: '2026-02-03T09:00:00.000Z',
      dueAt: '2026-02-17T09:00:00.000Z',
      paidAt: '2026-05-01T09:00:00.000Z',
    });
    const tessSub = await subscription(em, tess, monthly, '2026-01-19T23:00:00Z', '2026-02-19T23:00:00Z');
    await invoice(em, {
      customer: tess,
      subscription: tessSub,
      items: [{ kind: 'subscription', description: 'Monthly beans', amount: money(3100, 'EUR') }],
      period: ['2026-01-19T23:00:00.000Z', '2026-02-19T23:00:00.000Z'],
      at: '2026-01-20T09:00:00.000Z',
      paidAt: '2026-01-20T09:00:05.000Z',
    });

    // The credit note and its refund, dated Feb 1 (Berlin) as if made then.
    const { creditNote } = await createCreditNote(em, {
      invoiceId: ids.jurgenInvoice,
      amount: 1190,
      reason: 'Late delivery',
      outcome: 'refund',
      idempotencyKey: 'books-test-credit-note',
    });
    ids.creditNote = creditNote.id;
    const payment = await em.fork().findOneOrFail(PaymentAttempt, { invoice: ids.jurgenInvoice });
    await recordRefund(em, {
      paymentAttemptId: payment.id,
      amount: 1190,
      idempotencyKey: `credit_note:${creditNote.id}:${payment.id}`,
      gatewayReference: 're_books',
    });
    await em.nativeUpdate(CreditNote, { id: creditNote.id }, { createdAt: new Date('2026-02-01T09:00:00Z') });
    await em.nativeUpdate(
      Refund,
      { invoice: ids.jurgenInvoice },
      { createdAt: new Date('2026-02-01T09:00:00Z') },
    );
  });

  afterAll(async () => {
    await stack?.close();
  });

  const get = async (path: string) => ok(call, 'GET', path);

  test('recognises each month’s share per product and tax country, by hand: 31.00 over 31 days, 365.00 over 365', async () => {
    const body = await get('/v1/revenue/recognized?from=2026-01-01&to=2026-02-28&interval=month');
    const rows = (body.data as Record<string, unknown>[]).map((row) => [
      row.period_start,
      row.product_name,
      row.tax_country,
      row.amount,
    ]);
    expect(rows.sort()).toEqual(
      [
        // Jürgen: Jan 15–31 is 17 days at 1.00 = 17.00.
        ['2026-01-01', 'Coffee', 'DE', 1700],
        // Café: 31 January days at 1.00.
        ['2026-01-01', 'Roastery Pro', 'FR', 3100],
        // Anna's setup fee has no period: all of its 50.00 on Feb 3.
        ['2026-02-01', 'Coffee', 'AT', 5000],
        // Jürgen in February: 14 days at 1.00 = 14.00, less the credit note's 10.00 net spread over the 31 days
        // (1000 = 31 × 32 + 8: Jan 15–22 give 0.33, the other days 0.32): Jan 15–31's 5.52 caught up on Feb 1 and
        // 14 × 0.32 = 4.48 → 14.00 − 5.52 − 4.48 = 4.00.
        ['2026-02-01', 'Coffee', 'DE', 400],
        // Café: 28 February days.
        ['2026-02-01', 'Roastery Pro', 'FR', 2800],
      ].sort(),
    );
    expect(body.totals).toEqual([{ currency: 'EUR', amount: 1700 + 3100 + 5000 + 400 + 2800 }]);
    expect(body.time_zone).toBe('Europe/Berlin');

    const weekly = await get('/v1/revenue/recognized?from=2026-02-01&to=2026-02-01&interval=day');
    // Feb 1 alone: Jürgen 1.00 − 0.32 − 5.52 = −4.84, Café 1.00.
    expect(
      (weekly.data as Record<string, unknown>[]).map((row) => [row.product_name, row.amount]).sort(),
    ).toEqual([
      ['Coffee', 100 - 32 - 552],
      ['Roastery Pro', 100],
    ]);
  });

  test('answers recognised revenue as CSV that parses back to the same figures', async () => {
    const response = await request(stack.app)
      .get('/v1/revenue/recognized?from=2026-01-01&to=2026-02-28&interval=month')
      .set({ ...stack.auth, Accept: 'text/csv' })
      .expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...lines] = response.text.trimEnd().split('\r\n');
    expect(header).toBe('period_start,currency,product_id,product_name,tax_country,amount');
    const parsed = lines
      .map((line) => line.split(','))
      .map((cells) => [cells[0], cells[3], cells[4], cells[5]]);
    expect(parsed.sort()).toEqual(
      [
        ['2026-01-01', 'Coffee', 'DE', '17.00'],
        ['2026-01-01', 'Roastery Pro', 'FR', '31.00'],
        ['2026-02-01', 'Coffee', 'AT', '50.00'],
        ['2026-02-01', 'Coffee', 'DE', '4.00'],
        ['2026-02-01', 'Roastery Pro', 'FR', '28.00'],
      ].sort(),
    );
  });

  test('has deferred revenue equal to invoiced minus recognised, per product and tax country', async () => {
    const body = await get('/v1/revenue/deferred?at=2026-01-31');
    const rows = (body.data as Record<string, unknown>[]).map((row) => [
      row.product_name,
      row.tax_country,
      row.invoiced,
      row.recognized,
      row.deferred,
    ]);
    expect(rows.sort()).toEqual(
      [
        // 31.00 booked, 17 days recognised: 14.00 still to come.
        ['Coffee', 'DE', 3100, 1700, 1400],
        // 365.00 booked, 31 days recognised: 334.00.
        ['Roastery Pro', 'FR', 36_500, 3100, 33_400],
      ].sort(),
    );
    const later = await get('/v1/revenue/deferred?at=2026-02-28');
    expect(later.totals).toEqual([
      // Jürgen: 31.00 − 10.00 booked, all recognised; Café: 59 of 365 days; Anna: all at once.
      {
        currency: 'EUR',
        invoiced: 3100 - 1000 + 36_500 + 5000,
        recognized: 2100 + 5900 + 5000,
        deferred: 30_600,
      },
    ]);
  });

  test('books the journal double-entry: debits equal credits, and each debtor balances to what it owes', async () => {
    const body = await get('/v1/exports/journal?from=2026-01-01&to=2026-02-28');
    expect(body.chart).toBe('skr03');
    const entries = body.data as Record<string, unknown>[];
    const brief = entries.map((entry) => [
      entry.date,
      entry.kind,
      entry.debit_account,
      entry.credit_account,
      entry.amount,
    ]);
    // Debtors are numbered in the order the customers were created: Jürgen 10001, Café 10002, Anna 10003.
    expect(brief).toEqual([
      ['2026-01-01', 'invoice', 10002, 8336, 36_500],
      ['2026-01-01', 'payment', 1360, 10002, 36_500],
      ['2026-01-15', 'invoice', 10001, 8400, 3689],
      ['2026-01-15', 'payment', 1360, 10001, 3689],
      ['2026-02-01', 'credit_note', 8400, 10001, 1190],
      ['2026-02-01', 'refund', 10001, 1360, 1190],
      // OSS: net to 8339 with Austria and 20 %, the Austrian VAT to 1768.
      ['2026-02-03', 'invoice', 10003, 8339, 5000],
      ['2026-02-03', 'invoice', 10003, 1768, 1000],
    ]);
    expect(entries[0]).toMatchObject({ eu_destination: 'FR12345678901', tax_rate_bp: null });
    expect(entries[2]).toMatchObject({ tax_rate_bp: 1900, tax_amount: 589, tax_account: 1776 });
    expect(entries[4]).toMatchObject({ tax_amount: 190, reference: expect.stringMatching(/^\d{4}-\d{6}$/) });
    expect(entries[6]).toMatchObject({ eu_destination: 'AT', eu_rate_bp: 2000 });

    const balance = new Map<number, number>();
    let debits = 0;
    let credits = 0;
    for (const entry of entries) {
      const amount = entry.amount as number;
      debits += amount;
      credits += amount;
      balance.set(entry.debit_account as number, (balance.get(entry.debit_account as number) ?? 0) + amount);
      balance.set(
        entry.credit_account as number,
        (balance.get(entry.credit_account as number) ?? 0) - amount,
      );
    }
    expect(debits).toBe(credits);
    expect([...balance.values()].reduce((acc, value) => acc + value, 0)).toBe(0);
    // Jürgen and Café owe nothing; Anna owes 60.00; the clearing account holds 365.00 + 36.89 − 11.90.
    expect(Object.fromEntries(balance)).toEqual({
      10001: 0,
      10002: 0,
      10003: 6000,
      1360: 36_500 + 3689 - 1190,
      8336: -36_500,
      8400: -3689 + 1190,
      8339: -5000,
      1768: -1000,
    });

    const csv = await request(stack.app)
      .get('/v1/exports/journal?from=2026-01-01&to=2026-02-28')
      .set({ ...stack.auth, Accept: 'text/csv' })
      .expect(200);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'date,kind,document_number,reference,text,debit_account,credit_account,amount,currency,tax_rate,tax_amount,' +
        'tax_account,eu_destination,customer_id,document_id',
    );
    expect(lines).toHaveLength(entries.length + 1);
    expect(lines[3]).toMatch(
      /^2026-01-15,invoice,\d{4}-\d{6},,Rechnung \d{4}-\d{6} Jürgen Weiß,10001,8400,36\.89,EUR,19,5\.89,1776,,/,
    );
  });

  test('writes the same bookings as a DATEV EXTF Buchungsstapel that reads back, debits equal to credits', async () => {
    const response = await request(stack.app)
      .get('/v1/exports/datev?from=2026-01-01&to=2026-02-28')
      .set(stack.auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=windows-1252');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="EXTF_Buchungsstapel_20260101_20260228.csv"',
    );
    const file = response.body as Buffer;
    // Windows-1252: "ü" of Jürgen is the single byte 0xFC, and every line ends in CR LF.
    expect(file.includes(Buffer.from([0x4a, 0xfc, 0x72]))).toBe(true);
    const datev = parseDatev(file);
    expect(datev.header).toHaveLength(31);
    expect(datev.header.slice(0, 5)).toEqual(['EXTF', '700', '21', 'Buchungsstapel', '13']);
    expect(datev.header[5]).toMatch(/^\d{17}$/);
    expect(datev.header.slice(10, 16)).toEqual(['29098', '55003', '20260101', '4', '20260101', '20260228']);
    expect(datev.header[21]).toBe('EUR');
    expect(datev.header[26]).toBe('03');
    expect(datev.columns).toHaveLength(125);
    expect(datev.columns.slice(0, 3)).toEqual([
      'Umsatz (ohne Soll/Haben-Kz)',
      'Soll/Haben-Kennzeichen',
      'WKZ Umsatz',
    ]);
    expect(datev.lines[0]).toMatch(
      /^"EXTF";700;21;"Buchungsstapel";13;\d{17};;"RE";"Perennial";"";29098;55003;/,
    );

    const rows = datev.rows.map((row) => [
      row['Belegdatum'],
      row['Umsatz (ohne Soll/Haben-Kz)'],
      row['Soll/Haben-Kennzeichen'],
      row['Konto'],
      row['Gegenkonto (ohne BU-Schlüssel)'],
    ]);
    expect(rows).toEqual([
      ['0101', '365,00', 'S', '10002', '8336'],
      ['0101', '365,00', 'S', '1360', '10002'],
      ['1501', '36,89', 'S', '10001', '8400'],
      ['1501', '36,89', 'S', '1360', '10001'],
      ['0102', '11,90', 'S', '8400', '10001'],
      ['0102', '11,90', 'S', '10001', '1360'],
      ['0302', '50,00', 'S', '10003', '8339'],
      ['0302', '10,00', 'S', '10003', '1768'],
    ]);
    expect(datev.rows[0]?.['EU-Land u. UStID (Bestimmung)']).toBe('FR12345678901');
    expect(datev.rows[6]?.['EU-Land u. UStID (Bestimmung)']).toBe('AT');
    expect(datev.rows[6]?.['EU-Steuersatz (Bestimmung)']).toBe('20,00');
    expect(datev.rows[2]?.['Buchungstext']).toMatch(/^Rechnung \d{4}-\d{6} Jürgen Weiß$/);
    expect(datev.rows[4]?.['Belegfeld 1']).toMatch(/^CN-\d{4}-\d{6}$/);

    // Every row books its amount to the debit of Konto and the credit of Gegenkonto: the sums agree.
    const debit = new Map<string, number>();
    const credit = new Map<string, number>();
    for (const row of datev.rows) {
      const cents = datevCents(row['Umsatz (ohne Soll/Haben-Kz)'] ?? '');
      const [debited, credited] =
        row['Soll/Haben-Kennzeichen'] === 'S'
          ? [row['Konto'], row['Gegenkonto (ohne BU-Schlüssel)']]
          : [row['Gegenkonto (ohne BU-Schlüssel)'], row['Konto']];
      debit.set(debited ?? '', (debit.get(debited ?? '') ?? 0) + cents);
      credit.set(credited ?? '', (credit.get(credited ?? '') ?? 0) + cents);
    }
    const total = (map: Map<string, number>) => [...map.values()].reduce((acc, value) => acc + value, 0);
    expect(total(debit)).toBe(total(credit));
    expect(total(debit)).toBe(36_500 * 2 + 3689 * 2 + 1190 * 2 + 5000 + 1000);
  });

  test('refuses a DATEV batch across fiscal years and a range that ends before it starts, naming the field', async () => {
    const across = await call('GET', '/v1/exports/datev?from=2025-12-01&to=2026-01-31');
    expect(across.status).toBe(400);
    expect(across.body).toMatchObject({ error: { code: 'range_spans_fiscal_years', param: 'to' } });
    const backwards = await call('GET', '/v1/revenue/recognized?from=2026-03-01&to=2026-02-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ error: { code: 'invalid_parameter', param: 'from' } });
  });

  test('ages open invoices by days past due as of any date, from the recorded payments', async () => {
    const at = async (date: string) => {
      const body = await get(`/v1/reports/receivables_aging?at=${date}`);
      return {
        rows: (body.data as Record<string, unknown>[]).map((row) => ({
          customer: row.customer_name,
          days_0_30: row.days_0_30,
          days_31_60: row.days_31_60,
          days_61_90: row.days_61_90,
          days_over_90: row.days_over_90,
        })),
        invoices: body.invoices as Record<string, unknown>[],
      };
    };
    // Before Anna's invoice exists, and while everything else is paid: nothing is open.
    expect((await at('2026-01-31')).rows).toEqual([]);
    // Due Feb 17; on Mar 1 it is 12 days past due.
    const march = await at('2026-03-01');
    expect(march.rows).toEqual([
      { customer: 'Anna Huber', days_0_30: 6000, days_31_60: 0, days_61_90: 0, days_over_90: 0 },
    ]);
    expect(march.invoices[0]).toMatchObject({ due_date: '2026-02-17', days_past_due: 12, outstanding: 6000 });
    // Apr 10: 11 + 31 + 10 = 52 days.
    const april = await at('2026-04-10');
    expect(april.rows[0]).toMatchObject({ days_0_30: 0, days_31_60: 6000 });
    expect(april.invoices[0]).toMatchObject({ days_past_due: 52, bucket: 'days_31_60' });
    // Paid May 1: open as of Apr 30 (72 days), settled as of May 1 — a past report does not change.
    expect((await at('2026-04-30')).rows[0]).toMatchObject({ days_61_90: 6000 });
    expect((await at('2026-05-01')).rows).toEqual([]);

    const csv = await request(stack.app)
      .get('/v1/reports/receivables_aging?at=2026-04-10')
      .set({ ...stack.auth, Accept: 'text/csv' })
      .expect(200);
    expect(csv.text).toBe(
      'customer_id,customer_name,currency,days_0_30,days_31_60,days_61_90,days_over_90,total,invoices\r\n' +
        `${ids.anna},Anna Huber,EUR,0.00,60.00,0.00,0.00,60.00,1\r\n`,
    );
  });
});
