import { DomainEvent, Invoice, PaymentAttempt, Refund } from '../../../src/db/entities';
import {
  finalizeInvoice,
  paymentIdempotencyKey,
  recordPaymentAttempt,
  recordPaymentResult,
  recordRefund,
} from '../../../src/db/services';
import { settlePendingAttempt } from '../../../src/db/services/payments';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createDrafts, seedSeller, seedSubscription, storeErrorCode } from './fixtures';

describe('payment persistence on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function openInvoice(): Promise<string> {
    const { subscription } = await seedSubscription(db.orm.em.fork());
    const [id] = await createDrafts(db.orm.em, subscription.id, 1);
    await finalizeInvoice(db.orm.em.fork(), id!, { at: '2026-02-15T00:00:00Z' });
    return id!;
  }

  test('recording the same payment attempt twice, even concurrently, keeps one row under one idempotency key', async () => {
    const invoiceId = await openInvoice();
    const input = { invoiceId, attempt: 1, gateway: 'sandbox' };
    const [first, second] = await Promise.all([
      recordPaymentAttempt(db.orm.em.fork(), input),
      recordPaymentAttempt(db.orm.em.fork(), input),
    ]);
    const third = await recordPaymentAttempt(db.orm.em.fork(), input);

    expect([first.created, second.created].filter(Boolean)).toHaveLength(1);
    expect(third.created).toBe(false);
    expect(new Set([first.attempt.id, second.attempt.id, third.attempt.id]).size).toBe(1);
    expect(third.attempt).toMatchObject({
      idempotencyKey: paymentIdempotencyKey(invoiceId, 1),
      amount: 5831,
      currency: 'EUR',
      status: 'pending',
    });
    expect(await db.orm.em.fork().count(PaymentAttempt, { invoice: invoiceId })).toBe(1);
  });

  test('a success reported twice pays the invoice once; a contradicting failure afterwards is refused', async () => {
    const invoiceId = await openInvoice();
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    const success = { status: 'succeeded', gatewayReference: 'ch_1', at: '2026-02-15T00:01:00Z' } as const;

    const first = await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, success);
    const again = await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, success);

    expect(first.changed).toBe(true);
    expect(again.changed).toBe(false);
    const invoice = await db.orm.em.fork().findOneOrFail(Invoice, invoiceId);
    expect(invoice).toMatchObject({ status: 'paid', amountPaid: 5831 });
    expect(
      await storeErrorCode(
        recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
          status: 'failed',
          failureCode: 'card_declined',
        }),
      ),
    ).toBe('idempotency_conflict');
  });

  test('a failed attempt keeps the invoice open and the next attempt gets its own key', async () => {
    const invoiceId = await openInvoice();
    const first = await recordPaymentAttempt(db.orm.em.fork(), { invoiceId, attempt: 1, gateway: 'sandbox' });
    await recordPaymentResult(db.orm.em.fork(), first.attempt.idempotencyKey, {
      status: 'failed',
      failureCode: 'insufficient_funds',
    });
    const second = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 2,
      gateway: 'sandbox',
    });

    expect(second.attempt.idempotencyKey).not.toBe(first.attempt.idempotencyKey);
    expect((await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).status).toBe('open');
  });

  test('the one-statement settle pays the invoice as recordPaymentResult does, once, and leaves an answered attempt to it', async () => {
    const invoiceId = await openInvoice();
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    const before = await db.orm.em.fork().findOneOrFail(Invoice, invoiceId);
    const success = {
      status: 'succeeded',
      gatewayReference: 'ch_settle',
      at: '2026-02-15T00:02:00Z',
    } as const;

    const settled = await Promise.all([
      settlePendingAttempt(db.orm.em.fork(), attempt.idempotencyKey, success),
      settlePendingAttempt(db.orm.em.fork(), attempt.idempotencyKey, success),
    ]);

    expect(settled.filter(Boolean)).toHaveLength(1);
    const invoice = await db.orm.em.fork().findOneOrFail(Invoice, invoiceId);
    expect(invoice).toMatchObject({ status: 'paid', amountPaid: 5831, version: before.version + 1 });
    expect(invoice.paidAt?.toISOString()).toBe('2026-02-15T00:02:00.000Z');
    expect(
      await db.orm.em.fork().findOneOrFail(PaymentAttempt, { idempotencyKey: attempt.idempotencyKey }),
    ).toMatchObject({ status: 'succeeded', gatewayReference: 'ch_settle', failureCode: null });
    // Answered already: the checked path takes over, a repeat is a no-op and a contradiction an error.
    expect(await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, success)).toMatchObject({
      changed: false,
    });
    expect(
      await storeErrorCode(
        recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
          status: 'failed',
          failureCode: 'card_declined',
        }),
      ),
    ).toBe('idempotency_conflict');
  });

  test('the one-statement settle records a decline on the attempt alone and leaves the invoice open', async () => {
    const invoiceId = await openInvoice();
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    const before = await db.orm.em.fork().findOneOrFail(Invoice, invoiceId);

    expect(
      await settlePendingAttempt(db.orm.em.fork(), attempt.idempotencyKey, {
        status: 'failed',
        failureCode: 'insufficient_funds',
        failureMessage: 'Your card has insufficient funds.',
      }),
    ).toBe(true);

    expect(
      await db.orm.em.fork().findOneOrFail(PaymentAttempt, { idempotencyKey: attempt.idempotencyKey }),
    ).toMatchObject({
      status: 'failed',
      failureCode: 'insufficient_funds',
      failureMessage: 'Your card has insufficient funds.',
      gatewayReference: null,
    });
    expect(await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).toMatchObject({
      status: 'open',
      amountPaid: 0,
      paidAt: null,
      version: before.version,
    });
    expect(
      await settlePendingAttempt(db.orm.em.fork(), 'in_none:attempt:1', {
        status: 'failed',
        failureCode: 'x',
      }),
    ).toBe(false);
  });

  test('refunds are recorded once per key and never exceed the amount paid', async () => {
    const invoiceId = await openInvoice();
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
      status: 'succeeded',
      gatewayReference: 'ch_2',
    });
    const refund = { paymentAttemptId: attempt.id, amount: 3000, idempotencyKey: 're_gateway_1' };

    expect((await recordRefund(db.orm.em.fork(), refund)).created).toBe(true);
    expect((await recordRefund(db.orm.em.fork(), refund)).created).toBe(false);
    expect(
      await storeErrorCode(
        recordRefund(db.orm.em.fork(), {
          paymentAttemptId: attempt.id,
          amount: 2832,
          idempotencyKey: 're_gateway_2',
        }),
      ),
    ).toBe('amount_exceeds_remaining');

    expect(await db.orm.em.fork().count(Refund, { paymentAttempt: attempt.id })).toBe(1);
    expect(await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).toMatchObject({
      status: 'paid',
      amountRefunded: 3000,
    });
  });

  async function paidInvoice(): Promise<{ invoiceId: string; attemptId: string }> {
    const invoiceId = await openInvoice();
    const { attempt } = await recordPaymentAttempt(db.orm.em.fork(), {
      invoiceId,
      attempt: 1,
      gateway: 'sandbox',
    });
    await recordPaymentResult(db.orm.em.fork(), attempt.idempotencyKey, {
      status: 'succeeded',
      gatewayReference: `ch_${attempt.id}`,
    });
    return { invoiceId, attemptId: attempt.id };
  }

  test('a chargeback takes back what a refund left of the payment: the invoice is open again for it, once, with its event', async () => {
    const { invoiceId, attemptId } = await paidInvoice();
    await recordRefund(db.orm.em.fork(), {
      paymentAttemptId: attemptId,
      amount: 1000,
      idempotencyKey: `refund-${attemptId}`,
    });
    const chargeback = {
      paymentAttemptId: attemptId,
      amount: 4831,
      kind: 'chargeback' as const,
      idempotencyKey: `dispute-${attemptId}`,
    };

    const first = await recordRefund(db.orm.em.fork(), chargeback);
    const again = await recordRefund(db.orm.em.fork(), chargeback);

    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.event?.id).toBe(first.event?.id);
    expect(await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).toMatchObject({
      status: 'open',
      amountDue: 5831,
      amountPaid: 1000,
      amountRefunded: 1000,
      paidAt: null,
    });
    const event = await db.orm.em.fork().findOneOrFail(DomainEvent, { id: first.event?.id });
    expect(event).toMatchObject({
      type: 'refund.created',
      data: { refundId: first.refund.id, kind: 'chargeback', amount: 4831, invoiceId },
    });
    expect(
      await storeErrorCode(recordRefund(db.orm.em.fork(), { ...chargeback, idempotencyKey: 'dispute-more' })),
    ).toBe('amount_exceeds_remaining');
  });

  test('the checks keep paid meaning paid in full and open meaning something is owed', async () => {
    const { invoiceId, attemptId } = await paidInvoice();
    await recordRefund(db.orm.em.fork(), {
      paymentAttemptId: attemptId,
      amount: 5831,
      kind: 'chargeback',
      idempotencyKey: `dispute-${attemptId}`,
    });
    const sql = (statement: string) => db.orm.em.getConnection().execute(statement, [invoiceId]);

    await expect(
      sql(`update "invoices" set "status" = 'paid', "paid_at" = now() where "id" = ?`),
    ).rejects.toThrow(/invoices_paid_check/);
    await expect(sql(`update "invoices" set "amount_paid" = "amount_due" where "id" = ?`)).rejects.toThrow(
      /invoices_open_check/,
    );
    expect(await db.orm.em.fork().findOneOrFail(Invoice, invoiceId)).toMatchObject({
      status: 'open',
      amountPaid: 0,
    });
  });
});
