import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../ids';
import { DomainEvent, Invoice, PaymentAttempt, Refund, type RefundKind } from '../entities';
import { StoreError } from './errors';
import { appendDomainEvent } from './events';
import { toDate } from './instants';
import { reverseInvoicePayment } from './invoice-status';

/** The key the gateway receives too: derived from invoice and attempt, so a retried activity reuses it. */
export function paymentIdempotencyKey(invoiceId: string, attempt: number): string {
  return `${invoiceId}:attempt:${attempt}`;
}

export type PaymentAttemptInput = {
  invoiceId: string;
  attempt: number;
  gateway: string;
  paymentMethodId?: string;
};

/**
 * Writes the attempt before the gateway is called. A second call with the same invoice and attempt returns the
 * first row (insert ignored on the unique idempotency key), so the charge that follows carries the same key.
 */
export async function recordPaymentAttempt(
  em: EntityManager,
  input: PaymentAttemptInput,
): Promise<{ attempt: PaymentAttempt; created: boolean }> {
  if (!Number.isSafeInteger(input.attempt) || input.attempt < 1) {
    throw new StoreError('invalid_input', `Attempt must be a positive integer, got ${input.attempt}`);
  }
  const idempotencyKey = paymentIdempotencyKey(input.invoiceId, input.attempt);
  // The usual case in one statement: a new attempt on a chargeable invoice. Anything else (an attempt written
  // before, also by a concurrent call that reached either unique index first, or an invoice that cannot be charged)
  // inserts nothing and takes the transaction below, which tells them apart.
  const [row] = await em.execute<Record<string, unknown>[]>(
    `insert into payment_attempts
       (id, invoice_id, attempt, idempotency_key, amount, currency, gateway, payment_method_id)
     select ?, i.id, ?, ?, i.amount_due - i.amount_paid, i.currency, ?, ?
       from invoices i
      where i.id = ? and i.status in ('open', 'uncollectible') and i.amount_due > i.amount_paid
     on conflict do nothing
     returning *`,
    [
      newId('pa'),
      input.attempt,
      idempotencyKey,
      input.gateway,
      input.paymentMethodId ?? null,
      input.invoiceId,
    ],
  );
  if (row) return { attempt: em.map(PaymentAttempt, row), created: true };
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(PaymentAttempt, { idempotencyKey }, { refresh: true });
    if (existing) return { attempt: existing, created: false };
    const invoice = await tx.findOne(Invoice, input.invoiceId, { refresh: true });
    if (!invoice) throw new StoreError('not_found', `Invoice ${input.invoiceId} does not exist`);
    // An uncollectible invoice can still be paid: that is how an `unpaid` subscription recovers.
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw new StoreError(
        'invalid_state',
        `Invoice ${invoice.id} is ${invoice.status}; only an open or uncollectible invoice is charged`,
      );
    }
    const amount = invoice.amountDue - invoice.amountPaid;
    if (amount <= 0)
      throw new StoreError('invalid_state', `Invoice ${invoice.id} has nothing left to charge`);
    const inserted = await tx
      .createQueryBuilder(PaymentAttempt)
      .insert({
        id: newId('pa'),
        invoice: invoice.id,
        attempt: input.attempt,
        idempotencyKey,
        amount,
        currency: invoice.currency,
        gateway: input.gateway,
        paymentMethod: input.paymentMethodId ?? null,
      })
      // Any conflict: a concurrent writer of the same attempt may reach the (invoice, attempt) index first, and its
      // row carries the same key (derived from the pair), which the read below returns.
      .onConflict()
      .ignore()
      .execute('run');
    const attempt = await tx.findOneOrFail(PaymentAttempt, { idempotencyKey }, { refresh: true });
    return { attempt, created: inserted.affectedRows > 0 };
  });
}

export type PaymentOutcome =
  | { status: 'succeeded'; gatewayReference: string; at?: string }
  | {
      status: 'failed';
      failureCode: string;
      failureMessage?: string;
      gatewayReference?: string;
      at?: string;
    };

/**
 * The usual case of `recordPaymentResult` in one statement, for a caller that needs no rows back: a pending attempt
 * takes the gateway's answer, and a success pays its invoice, both in the statement's transaction. The attempt's
 * row is locked before its invoice's, as `recordPaymentResult` locks them. False when no pending attempt has the
 * key (an answer recorded before, by an earlier try or a webhook): `recordPaymentResult` then tells a repeat from a
 * contradiction.
 */
export async function settlePendingAttempt(
  em: EntityManager,
  idempotencyKey: string,
  outcome: PaymentOutcome,
): Promise<boolean> {
  const at = outcome.at === undefined ? new Date() : toDate(outcome.at);
  const failed = outcome.status === 'failed';
  const [row] = await em.execute<{ settled: boolean }[]>(
    `with attempt as (
       update payment_attempts
          set status = ?, completed_at = ?, gateway_reference = ?, failure_code = ?, failure_message = ?
        where idempotency_key = ? and status = 'pending'
       returning invoice_id, amount
     ), paying as (
       update invoices i
          set amount_paid = i.amount_paid + a.amount,
              status = case when i.amount_paid + a.amount >= i.amount_due and i.status in ('open', 'uncollectible')
                            then 'paid' else i.status end,
              paid_at = case when i.amount_paid + a.amount >= i.amount_due and i.status in ('open', 'uncollectible')
                             then ?::timestamptz else i.paid_at end,
              updated_at = now(),
              version = i.version + 1
         from attempt a
        where i.id = a.invoice_id and ?
     )
     select exists (select 1 from attempt) as settled`,
    [
      outcome.status,
      at,
      outcome.gatewayReference ?? null,
      failed ? outcome.failureCode : null,
      failed ? (outcome.failureMessage ?? null) : null,
      idempotencyKey,
      at,
      !failed,
    ],
  );
  return row?.settled === true;
}

/**
 * Records the gateway's answer for an attempt, once: the same answer again is a no-op, a contradicting one is
 * refused. A success pays the invoice in the same transaction.
 */
export async function recordPaymentResult(
  em: EntityManager,
  idempotencyKey: string,
  outcome: PaymentOutcome,
): Promise<{ attempt: PaymentAttempt; invoice: Invoice; changed: boolean }> {
  const at = outcome.at === undefined ? new Date() : toDate(outcome.at);
  return em.transactional(async (tx) => {
    const attempt = await tx.findOne(
      PaymentAttempt,
      { idempotencyKey },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    if (!attempt) throw new StoreError('not_found', `No payment attempt with key ${idempotencyKey}`);
    const invoice = await tx.findOneOrFail(Invoice, attempt.invoice.id, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (attempt.status !== 'pending') {
      if (attempt.status !== outcome.status) {
        throw new StoreError(
          'idempotency_conflict',
          `Attempt ${idempotencyKey} already ${attempt.status}, cannot become ${outcome.status}`,
        );
      }
      return { attempt, invoice, changed: false };
    }
    attempt.status = outcome.status;
    attempt.completedAt = at;
    attempt.gatewayReference = outcome.gatewayReference ?? null;
    if (outcome.status === 'failed') {
      attempt.failureCode = outcome.failureCode;
      attempt.failureMessage = outcome.failureMessage ?? null;
    } else {
      invoice.amountPaid += attempt.amount;
      // A late success after dunning gave up still settles the invoice.
      if (invoice.amountPaid >= invoice.amountDue && ['open', 'uncollectible'].includes(invoice.status)) {
        invoice.status = 'paid';
        invoice.paidAt = at;
      }
    }
    await tx.flush();
    return { attempt, invoice, changed: true };
  });
}

export type RefundInput = {
  paymentAttemptId: string;
  amount: number;
  kind?: RefundKind;
  reason?: string;
  /** The gateway's refund or dispute id when it reports one, else a key the caller derives from the cause. */
  idempotencyKey: string;
  gatewayReference?: string;
  /** Business time of the event it records (a test clock's time); now when omitted. */
  at?: string;
};

export const refundCreatedEventKey = (refundId: string): string => `refund:${refundId}:created`;

export type RecordedRefund = {
  refund: Refund;
  created: boolean;
  /**
   * Its `refund.created` domain event, appended with the row: the one to dispatch webhooks for. Null only for a
   * refund recorded before refunds had events.
   */
  event: DomainEvent | null;
};

/**
 * Records money returned on a succeeded attempt, once per key, never more than was paid, together with its
 * `refund.created` event. A refund leaves the invoice paid (its correction is a credit note) and counts in
 * `amount_refunded`; a chargeback takes the payment back (`amount_paid` shrinks) and reopens a paid invoice for it.
 */
export async function recordRefund(em: EntityManager, input: RefundInput): Promise<RecordedRefund> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new StoreError('invalid_input', `Refund amount must be a positive integer, got ${input.amount}`);
  }
  return em.transactional(async (tx) => {
    const attempt = await tx.findOne(PaymentAttempt, input.paymentAttemptId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!attempt)
      throw new StoreError('not_found', `Payment attempt ${input.paymentAttemptId} does not exist`);
    const existing = await tx.findOne(Refund, { idempotencyKey: input.idempotencyKey });
    if (existing) {
      if (existing.paymentAttempt.id !== attempt.id || existing.amount !== input.amount) {
        throw new StoreError(
          'idempotency_conflict',
          `Refund key ${input.idempotencyKey} was used for another refund`,
        );
      }
      const event = await tx.findOne(DomainEvent, { key: refundCreatedEventKey(existing.id) });
      return { refund: existing, created: false, event };
    }
    if (attempt.status !== 'succeeded') {
      throw new StoreError(
        'invalid_state',
        `Payment attempt ${attempt.id} is ${attempt.status}, nothing to refund`,
      );
    }
    const refunds = await tx.find(Refund, { paymentAttempt: attempt });
    const refunded = refunds.reduce((acc, refund) => acc + refund.amount, 0);
    if (refunded + input.amount > attempt.amount) {
      throw new StoreError(
        'amount_exceeds_remaining',
        `Attempt ${attempt.id} paid ${attempt.amount}, ${refunded} already returned, ${input.amount} requested`,
      );
    }
    const invoice = await tx.findOneOrFail(Invoice, attempt.invoice.id, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    const kind = input.kind ?? 'refund';
    if (kind === 'chargeback') reverseInvoicePayment(invoice, input.amount);
    else invoice.amountRefunded += input.amount;
    const refund = tx.create(Refund, {
      paymentAttempt: attempt,
      invoice,
      kind,
      amount: input.amount,
      currency: attempt.currency,
      reason: input.reason ?? null,
      idempotencyKey: input.idempotencyKey,
      gatewayReference: input.gatewayReference ?? null,
    });
    await tx.flush();
    const { event } = await appendDomainEvent(tx, {
      key: refundCreatedEventKey(refund.id),
      type: 'refund.created',
      ...(invoice.subscription ? { subscriptionId: invoice.subscription.id } : {}),
      customerId: invoice.customer.id,
      data: {
        refundId: refund.id,
        paymentId: attempt.id,
        invoiceId: invoice.id,
        kind,
        amount: refund.amount,
        currency: refund.currency,
        reason: refund.reason ?? null,
        gatewayReference: refund.gatewayReference ?? null,
      },
      occurredAt: input.at ?? new Date().toISOString(),
    });
    return { refund, created: true, event };
  });
}
