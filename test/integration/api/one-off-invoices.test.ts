import request from 'supertest';
import { invoiceItemListSchema } from '../../../src/api/schemas/invoice-items';
import { createdInvoiceResponseSchema } from '../../../src/api/schemas/invoices';
import { Customer, DomainEvent } from '../../../src/db/entities';
import { adjustCustomerBalance } from '../../../src/db/services';
import { address, countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

/**
 * One-off invoices (`POST /v1/invoices`) on the real app, PostgreSQL and the sandbox gateway. They belong to no
 * subscription, so no workflow is involved: the lazy Temporal client of the harness never connects.
 */
describe('one-off invoices API', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness();
    await request(harness.app)
      .put('/v1/settings')
      .set(harness.auth)
      .send({ name: 'Rösterei', address, country: 'DE', vat_id: 'DE123456789', default_currency: 'EUR' })
      .expect(200);
  });

  afterAll(async () => {
    await harness?.close();
  });

  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    request(harness.app).post(path).set(harness.auth).set(headers).send(body);
  const get = (path: string) => request(harness.app).get(path).set(harness.auth);

  async function customer(email: string, token?: string, extra: object = {}): Promise<string> {
    const created = await post('/v1/customers', { email, name: 'Erika', country: 'DE', ...extra }).expect(
      201,
    );
    const id = String(created.body.id);
    if (token) await post(`/v1/customers/${id}/payment_methods`, { gateway: 'sandbox', token }).expect(201);
    return id;
  }

  const item = (customerId: string, amount: number, description: string) =>
    post('/v1/invoice_items', { customer_id: customerId, currency: 'EUR', amount, description }).expect(201);

  /** What the sandbox processor recorded for this invoice: its ledger, not our own rows. */
  async function gatewayCharges(invoiceId: string) {
    return harness.db.orm.em
      .getConnection()
      .execute<{ idempotency_key: string; status: string; amount: string }[]>(
        `select idempotency_key, status, amount::text from sandbox_charges where metadata->>'invoice_id' = ?`,
        [invoiceId],
      );
  }

  test('collect later: pending items without a subscription and inline lines, 19 % VAT on the net, credit applied, open and numbered', async () => {
    const cid = await customer('later@example.test');
    const charge = await item(cid, 2500, 'Grinder rental');
    const credit = await item(cid, -500, 'Goodwill');
    await post('/v1/invoice_items', {
      customer_id: cid,
      currency: 'USD',
      amount: 999,
      description: 'Other currency',
    }).expect(201);
    await adjustCustomerBalance(harness.db.orm.em.fork(), {
      customerId: cid,
      amount: 1000,
      currency: 'EUR',
      sourceKey: `test:${cid}:credit`,
      description: 'Goodwill credit',
    });

    const invoice = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', {
        customer_id: cid,
        currency: 'EUR',
        lines: [{ description: 'Barista course', amount: 3000, quantity: 2, unit_amount: 1500 }],
      }).expect(201),
    );

    // Net 2500 − 500 + 3000 = 5000; VAT 950; total 5950; 1000 of credit leaves 4950 to pay.
    expect(invoice).toMatchObject({
      status: 'open',
      billing_reason: 'manual',
      subscription_id: null,
      customer_id: cid,
      currency: 'EUR',
      subtotal: 5000,
      tax_total: 950,
      total: 5950,
      credit_applied: 1000,
      amount_due: 4950,
      amount_paid: 0,
      paid_at: null,
      payment: null,
    });
    expect(invoice.number).toMatch(/^\d{4}-\d{6}$/);
    expect(invoice.lines.map((line) => [line.kind, line.description, line.quantity, line.amount])).toEqual([
      ['one_off', 'Grinder rental', 1, 2500],
      ['one_off', 'Goodwill', 1, -500],
      ['one_off', 'Barista course', 2, 3000],
    ]);
    const billed = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?invoice_id=${invoice.id}`).expect(200),
    );
    expect(billed.data.map((row) => row.id)).toEqual([charge.body.id, credit.body.id]);
    const pending = documented(
      invoiceItemListSchema,
      await get(`/v1/invoice_items?customer_id=${cid}&pending=true`).expect(200),
    );
    expect(pending.data.map((row) => row.currency)).toEqual(['USD']);
    expect((await harness.db.orm.em.fork().findOneOrFail(Customer, cid)).balance).toBe(0);
    expect(await gatewayCharges(invoice.id)).toEqual([]);
    const events = await harness.db.orm.em.fork().find(DomainEvent, { customerId: cid });
    expect(events.map((event) => event.type)).toEqual(['invoice.finalized']);
  });

  test('collect now with tok_visa: paid at once by one charge keyed <invoice>:attempt:1; retries with the Idempotency-Key never charge again', async () => {
    const cid = await customer('now@example.test', 'tok_visa');
    await item(cid, 1000, 'Beans, 1 kg');
    const key = { 'Idempotency-Key': 'one-off-now-1' };
    const body = { customer_id: cid, currency: 'EUR', collect: 'now' };

    const first = documented(createdInvoiceResponseSchema, await post('/v1/invoices', body, key).expect(201));
    expect(first).toMatchObject({ status: 'paid', total: 1190, amount_due: 1190, amount_paid: 1190 });
    expect(first.paid_at).not.toBeNull();
    expect(first.payment).toMatchObject({
      invoice_id: first.id,
      attempt: 1,
      amount: 1190,
      status: 'succeeded',
      outcome: { failure_code: null },
    });
    expect(await gatewayCharges(first.id)).toEqual([
      { idempotency_key: `${first.id}:attempt:1`, status: 'succeeded', amount: '1190' },
    ]);

    const replay = await post('/v1/invoices', body, key).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first);
    // The stored answer lost (or expired): the request runs again and reaches the same invoice and attempt.
    await harness.db.orm.em.getConnection().execute('delete from idempotency_records');
    const rerun = documented(createdInvoiceResponseSchema, await post('/v1/invoices', body, key).expect(201));
    expect(rerun).toMatchObject({ id: first.id, status: 'paid', payment: { id: first.payment?.id } });

    expect(await gatewayCharges(first.id)).toHaveLength(1);
    expect(await countRows(harness.db, 'invoices')).toBeGreaterThan(0);
    const invoices = await get(`/v1/invoices?customer_id=${cid}`).expect(200);
    expect(invoices.body.data).toHaveLength(1);
    const events = await harness.db.orm.em
      .fork()
      .find(DomainEvent, { customerId: cid }, { orderBy: { recordedAt: 'asc' } });
    expect(events.map((event) => event.type)).toEqual(['invoice.finalized', 'invoice.paid']);
  });

  test('collect now with tok_chargeDeclined: 201 with the invoice still open and the declined attempt; a retry with the same key does not charge again', async () => {
    const cid = await customer('declined@example.test', 'tok_chargeDeclined');
    const key = { 'Idempotency-Key': 'one-off-declined-1' };
    const body = {
      customer_id: cid,
      currency: 'EUR',
      collect: 'now',
      lines: [{ description: 'Espresso machine service', amount: 8000 }],
    };

    const declined = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', body, key).expect(201),
    );
    expect(declined).toMatchObject({
      status: 'open',
      amount_due: 9520,
      amount_paid: 0,
      payment: {
        attempt: 1,
        status: 'failed',
        outcome: { failure_code: 'generic_decline', charge_id: null },
      },
    });
    await harness.db.orm.em.getConnection().execute('delete from idempotency_records');
    const again = documented(createdInvoiceResponseSchema, await post('/v1/invoices', body, key).expect(201));
    expect(again).toMatchObject({
      id: declined.id,
      status: 'open',
      payment: { id: declined.payment?.id, status: 'failed' },
    });

    expect(await gatewayCharges(declined.id)).toEqual([
      { idempotency_key: `${declined.id}:attempt:1`, status: 'declined', amount: '9520' },
    ]);
    const payments = await get(`/v1/payments?invoice_id=${declined.id}`).expect(200);
    expect(payments.body.data).toHaveLength(1);
    const events = await harness.db.orm.em
      .fork()
      .find(DomainEvent, { customerId: cid }, { orderBy: { recordedAt: 'asc' } });
    expect(events.map((event) => event.type)).toEqual(['invoice.finalized', 'invoice.payment_failed']);
  });

  test('a gateway timeout after charging answers 503; the retry with the same key settles that charge instead of charging twice', async () => {
    const cid = await customer('timeout@example.test', 'tok_timeoutAfterCharge');
    const key = { 'Idempotency-Key': 'one-off-timeout-1' };
    const body = {
      customer_id: cid,
      currency: 'EUR',
      collect: 'now',
      lines: [{ description: 'Tasting', amount: 2000 }],
    };

    const lost = await post('/v1/invoices', body, key).expect(503);
    expect(documentedError(lost)).toMatchObject({ code: 'gateway_unavailable' });
    const [open] = (await get(`/v1/invoices?customer_id=${cid}`).expect(200)).body.data as {
      id: string;
      status: string;
    }[];
    expect(open).toMatchObject({ status: 'open' });
    expect(await gatewayCharges(open!.id)).toHaveLength(1);

    const settled = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', body, key).expect(201),
    );
    expect(settled).toMatchObject({
      id: open!.id,
      status: 'paid',
      amount_paid: 2380,
      payment: { status: 'succeeded' },
    });
    expect(await gatewayCharges(open!.id)).toEqual([
      { idempotency_key: `${open!.id}:attempt:1`, status: 'succeeded', amount: '2380' },
    ]);
  });

  test('refusals write nothing: nothing to invoice (422), collect now without a payment method (422), an unknown customer (400)', async () => {
    const cid = await customer('refused@example.test');
    const before = await Promise.all(
      ['invoices', 'invoice_lines', 'payment_attempts'].map((t) => countRows(harness.db, t)),
    );

    const nothing = await post('/v1/invoices', { customer_id: cid, currency: 'EUR' }).expect(422);
    expect(documentedError(nothing)).toMatchObject({ code: 'nothing_to_invoice', param: 'lines' });
    const waiting = await item(cid, 700, 'Waiting');
    const noCard = await post('/v1/invoices', { customer_id: cid, currency: 'EUR', collect: 'now' }).expect(
      422,
    );
    expect(documentedError(noCard)).toMatchObject({ code: 'no_payment_method', param: 'collect' });
    const unknown = await post('/v1/invoices', {
      customer_id: 'cus_000000000000000000000000',
      currency: 'EUR',
      lines: [{ description: 'x', amount: 1 }],
    }).expect(400);
    expect(documentedError(unknown)).toMatchObject({ code: 'resource_missing', param: 'customer_id' });
    const excluded = await post('/v1/invoices', {
      customer_id: cid,
      currency: 'EUR',
      pending_items: 'exclude',
    }).expect(400);
    expect(documentedError(excluded)).toMatchObject({ param: 'lines' });

    const after = await Promise.all(
      ['invoices', 'invoice_lines', 'payment_attempts'].map((t) => countRows(harness.db, t)),
    );
    expect(after).toEqual(before);
    const stillPending = await get(`/v1/invoice_items/${String(waiting.body.id)}`).expect(200);
    expect(stillPending.body).toMatchObject({ pending: true, invoice_id: null });
  });

  test('credits beyond the charges: a negative total is paid at once with nothing charged, and the difference goes to the balance', async () => {
    const cid = await customer('credit@example.test');
    await item(cid, -2000, 'Returned grinder');

    const invoice = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', {
        customer_id: cid,
        currency: 'EUR',
        collect: 'now',
        lines: [{ description: 'Cleaning tablets', amount: 1000 }],
      }).expect(201),
    );

    // Net −1000, VAT −190: the customer is owed 1190, which becomes credit for their next invoices.
    expect(invoice).toMatchObject({ status: 'paid', total: -1190, amount_due: 0, payment: null });
    expect(await gatewayCharges(invoice.id)).toEqual([]);
    const stored = await harness.db.orm.em.fork().findOneOrFail(Customer, cid);
    expect({ balance: stored.balance, currency: stored.balanceCurrency }).toEqual({
      balance: 1190,
      currency: 'EUR',
    });
  });

  test("a customer on a test clock: the invoice is numbered, dated and paid at the clock's time", async () => {
    const clock = await post('/v1/test_clocks', { frozen_time: '2031-03-15T10:00:00Z' }).expect(201);
    const cid = await customer('clocked@example.test', 'tok_visa', { test_clock_id: clock.body.id });
    const invoice = documented(
      createdInvoiceResponseSchema,
      await post('/v1/invoices', {
        customer_id: cid,
        currency: 'EUR',
        collect: 'now',
        lines: [{ description: 'Subscription box', amount: 4000 }],
      }).expect(201),
    );
    expect(invoice).toMatchObject({
      status: 'paid',
      finalized_at: '2031-03-15T10:00:00.000Z',
      paid_at: '2031-03-15T10:00:00.000Z',
    });
    expect(invoice.number).toMatch(/^2031-\d{6}$/);
  });
});
