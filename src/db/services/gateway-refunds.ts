import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Money } from '../../domain/money';
import { CreditNote, type DomainEvent, Invoice, PaymentAttempt, Refund } from '../entities';
import { createCreditNote } from './credit-notes';
import { StoreError } from './errors';
import { recordRefund } from './payments';
import { clockTimeForCustomer } from './test-clocks';

/** A gateway's report that a charge has been refunded (Stripe's `charge.refunded`). */
export type GatewayRefundReport = {
  gateway: string;
  chargeId: string;
  /** Cumulative over all refunds of the charge, whoever made them, as gateways report it. */
  amountRefunded: Money;
};

export type RecordedGatewayRefund = {
  /** Null when the report holds nothing that is not recorded already (a redelivery, or Perennial's own refund). */
  refund: Refund | null;
  /** Null when nothing new was refunded, or the invoice can no longer be credited (not paid, or credited in full). */
  creditNote: CreditNote | null;
  events: DomainEvent[];
};

export const GATEWAY_REFUND_REASON = 'Refunded at the payment gateway';

/**
 * Records refunds made at the gateway outside Perennial (at its dashboard), from the cumulative amount the gateway
 * reports: the part of it that is not yet recorded as refunds of that payment, once, as a refund row with its
 * credit note (outcome `refund`) and their events, in one transaction under the payment's row lock. Refunds
 * Perennial made are recorded before their webhook can come back (`refundPayment` holds the same lock while it
 * calls the gateway), so the cumulative amount already covers them and nothing is recorded twice; a redelivered
 * report covers nothing new either.
 *
 * Returns null for a charge Perennial did not make.
 */
export async function recordGatewayRefund(
  em: EntityManager,
  report: GatewayRefundReport,
): Promise<RecordedGatewayRefund | null> {
  const nothing: RecordedGatewayRefund = { refund: null, creditNote: null, events: [] };
  return em.transactional(async (tx) => {
    const found = await tx.findOne(PaymentAttempt, {
      gateway: report.gateway,
      gatewayReference: report.chargeId,
      status: 'succeeded',
    });
    if (!found) return null;
    if (report.amountRefunded.currency !== found.currency) {
      throw new StoreError(
        'currency_mismatch',
        `Charge ${report.chargeId} reports refunds in ${report.amountRefunded.currency}, its payment ${found.id} is in ${found.currency}`,
      );
    }
    const attempt = await tx.findOneOrFail(PaymentAttempt, found.id, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    const returned = await tx.find(Refund, { paymentAttempt: attempt.id });
    const refunded = returned
      .filter((row) => row.kind === 'refund')
      .reduce((sum, row) => sum + row.amount, 0);
    const left = attempt.amount - returned.reduce((sum, row) => sum + row.amount, 0);
    const amount = Math.min(report.amountRefunded.amount - refunded, left);
    if (amount <= 0) return nothing;

    const invoice = await tx.findOneOrFail(Invoice, attempt.invoice.id, { refresh: true });
    const at = (await clockTimeForCustomer(tx, invoice.customer.id)) ?? new Date().toISOString();
    // The cumulative amount names this state of the charge: a second report of it finds the rows made for it.
    const key = `gateway_refund:${report.gateway}:${report.chargeId}:${report.amountRefunded.amount}`;
    const events: DomainEvent[] = [];
    let creditNote: CreditNote | null = null;
    if (invoice.status === 'paid') {
      const credited = (await tx.find(CreditNote, { invoice: invoice.id })).reduce(
        (sum, note) => sum + note.amount,
        0,
      );
      const creditable = Math.min(amount, invoice.total - credited);
      if (creditable > 0) {
        const created = await createCreditNote(tx, {
          invoiceId: invoice.id,
          amount: creditable,
          reason: GATEWAY_REFUND_REASON,
          outcome: 'refund',
          idempotencyKey: key,
          at,
        });
        creditNote = created.creditNote;
        if (created.event) events.push(created.event);
      }
    }
    // Keyed as the credit note's own refunds are, so the note lists it (`GET /v1/credit_notes/:id`).
    const recorded = await recordRefund(tx, {
      paymentAttemptId: attempt.id,
      amount,
      reason: GATEWAY_REFUND_REASON,
      idempotencyKey: creditNote ? `credit_note:${creditNote.id}:${attempt.id}` : key,
      at,
    });
    if (recorded.event) events.push(recorded.event);
    return { refund: recorded.refund, creditNote, events };
  });
}
