import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GatewayDisputeEvent } from '../../gateways/types';
import {
  Dispute,
  DomainEvent,
  Invoice,
  isDisputeClosed,
  PaymentAttempt,
  Refund,
  type DisputeStatus,
} from '../entities';
import { newId } from '../ids';
import { StoreError } from './errors';
import { appendDomainEvent } from './events';
import { recordRefund } from './payments';
import { clockTimeForCustomer } from './test-clocks';

/** One verified gateway webhook about a dispute. */
export type DisputeReport = {
  gateway: string;
  /** The gateway's event id: the event that closes a dispute is recorded with it, so its redelivery is known. */
  gatewayEventId: string;
  event: GatewayDisputeEvent;
};

export type RecordedDispute = {
  dispute: Dispute;
  /** The domain events this report stands for, new or appended by an earlier delivery of it: to dispatch. */
  events: DomainEvent[];
  /** This report opened the dispute, now or in an earlier delivery whose processing did not finish. */
  openedByThisReport: boolean;
  /**
   * This report closed the dispute, now or in an earlier delivery whose processing did not finish: its outcome
   * is to be signalled to the subscription. A later, different report of the same outcome is not.
   */
  closedByThisReport: boolean;
  /** Why the report changed nothing although it named another status (a closed dispute stays closed). */
  ignored: string | null;
};

export const disputeEventKey = (disputeId: string, step: 'opened' | 'won' | 'lost'): string =>
  `dispute:${disputeId}:${step}`;

/** The chargeback of a lost dispute: one per dispute. */
export const chargebackKey = (disputeId: string): string => `dispute:${disputeId}:chargeback`;

function disputeData(dispute: Dispute) {
  return {
    disputeId: dispute.id,
    gateway: dispute.gateway,
    gatewayDisputeId: dispute.gatewayReference,
    paymentId: dispute.paymentAttempt.id,
    invoiceId: dispute.invoice.id,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
    status: dispute.status,
    feeAmount: dispute.feeAmount ?? null,
  };
}

/**
 * Records what a gateway reports about a dispute, in one transaction: the dispute row (once per gateway dispute
 * id, whichever of its webhooks arrives first, with `dispute.opened`), its fee, and a change of status with its
 * event. A lost dispute takes the payment back in the same transaction: a `chargeback` refund row of the disputed
 * amount (what is left of the payment after earlier refunds), the invoice's `amount_paid` reduced by it and a paid
 * invoice reopened (`invoice.reopened`). Won and lost are final: a later report of another status is ignored.
 *
 * Returns null for a charge Perennial did not make (no succeeded payment with that gateway reference).
 */
export async function recordDisputeReport(
  em: EntityManager,
  report: DisputeReport,
): Promise<RecordedDispute | null> {
  const { event } = report;
  return em.transactional(async (tx) => {
    const found = await tx.findOne(
      PaymentAttempt,
      { gateway: report.gateway, gatewayReference: event.chargeId, status: 'succeeded' },
      { populate: ['invoice'] },
    );
    if (!found) return null;
    if (event.amount.currency !== found.currency) {
      throw new StoreError(
        'currency_mismatch',
        `Dispute ${event.disputeId} is in ${event.amount.currency}, its payment ${found.id} in ${found.currency}`,
      );
    }
    const invoice = found.invoice;
    const at = (await clockTimeForCustomer(tx, invoice.customer.id)) ?? new Date().toISOString();
    await tx
      .createQueryBuilder(Dispute)
      .insert({
        id: newId('dp'),
        paymentAttempt: found.id,
        invoice: invoice.id,
        customer: invoice.customer.id,
        subscription: invoice.subscription?.id ?? null,
        gateway: report.gateway,
        gatewayReference: event.disputeId,
        amount: event.amount.amount,
        currency: event.amount.currency,
        reason: event.reason,
      })
      .onConflict(['gateway', 'gatewayReference'])
      .ignore()
      .execute('run');
    // Every report of one dispute passes this lock, so its transitions happen one after another.
    const dispute = await tx.findOneOrFail(
      Dispute,
      { gateway: report.gateway, gatewayReference: event.disputeId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );

    const events: DomainEvent[] = [];
    const append = async (key: string, type: string, extra: Record<string, unknown> = {}) => {
      await tx.flush();
      const { event: appended } = await appendDomainEvent(tx, {
        key,
        type,
        ...(dispute.subscription ? { subscriptionId: dispute.subscription.id } : {}),
        customerId: dispute.customer.id,
        data: { ...disputeData(dispute), ...extra },
        occurredAt: at,
      });
      events.push(appended);
      return appended;
    };
    const opened = await append(disputeEventKey(dispute.id, 'opened'), 'dispute.opened', {
      gatewayEventId: report.gatewayEventId,
    });
    const openedByThisReport = opened.data.gatewayEventId === report.gatewayEventId;

    const closed = isDisputeClosed(dispute.status);
    if (event.type !== 'payment.disputed' && event.fee && !closed) {
      if (event.fee.currency === dispute.currency) dispute.feeAmount = event.fee.amount;
    }

    const target: DisputeStatus | null = event.type === 'payment.disputed' ? null : event.status;
    let closedByThisReport = false;
    let ignored: string | null = null;
    if (target === null) {
      // An opening report adds nothing to a dispute that exists.
    } else if (target === dispute.status) {
      if (isDisputeClosed(target)) {
        const closing = await tx.findOne(DomainEvent, { key: disputeEventKey(dispute.id, target) });
        if (closing) events.push(closing);
        closedByThisReport = closing?.data.gatewayEventId === report.gatewayEventId;
      }
    } else if (closed) {
      ignored = `Dispute ${dispute.id} is already ${dispute.status}; a report of ${target} changes nothing`;
    } else if (target === 'lost') {
      const chargeback = await takePaymentBack(tx, dispute, at);
      events.push(...chargeback.events);
      dispute.status = 'lost';
      dispute.closedAt = new Date(at);
      await append(disputeEventKey(dispute.id, 'lost'), 'dispute.lost', {
        gatewayEventId: report.gatewayEventId,
        chargebackAmount: chargeback.amount,
      });
      closedByThisReport = true;
    } else if (target === 'won') {
      dispute.status = 'won';
      dispute.closedAt = new Date(at);
      await append(disputeEventKey(dispute.id, 'won'), 'dispute.won', {
        gatewayEventId: report.gatewayEventId,
      });
      closedByThisReport = true;
    } else {
      const previousStatus = dispute.status;
      dispute.status = target;
      await append(`dispute:${dispute.id}:updated:${report.gatewayEventId}`, 'dispute.updated', {
        previousStatus,
      });
    }
    await tx.flush();
    return { dispute, events, openedByThisReport, closedByThisReport, ignored };
  });
}

/**
 * The chargeback of a lost dispute: the disputed amount, or what earlier refunds left of the payment if that is
 * less (an issuer never takes back more than the payment kept). Returns that amount and the events it appended.
 */
async function takePaymentBack(
  tx: EntityManager,
  dispute: Dispute,
  at: string,
): Promise<{ amount: number; events: DomainEvent[] }> {
  const attempt = await tx.findOneOrFail(PaymentAttempt, dispute.paymentAttempt.id, {
    lockMode: LockMode.PESSIMISTIC_WRITE,
    refresh: true,
  });
  const returned = (await tx.find(Refund, { paymentAttempt: attempt.id })).reduce(
    (sum, refund) => sum + refund.amount,
    0,
  );
  const amount = Math.min(dispute.amount, attempt.amount - returned);
  if (amount <= 0) return { amount: 0, events: [] };
  const before = await tx.findOneOrFail(Invoice, dispute.invoice.id, { refresh: true });
  const wasPaid = before.status === 'paid';
  const { event } = await recordRefund(tx, {
    paymentAttemptId: attempt.id,
    amount,
    kind: 'chargeback',
    reason: `Dispute ${dispute.id} lost (${dispute.reason})`,
    idempotencyKey: chargebackKey(dispute.id),
    gatewayReference: dispute.gatewayReference,
    at,
  });
  const events = event ? [event] : [];
  const invoice = await tx.findOneOrFail(Invoice, dispute.invoice.id, { refresh: true });
  if (wasPaid && invoice.status === 'open') {
    const { event: reopened } = await appendDomainEvent(tx, {
      key: `invoice:${invoice.id}:reopened:${dispute.id}`,
      type: 'invoice.reopened',
      ...(invoice.subscription ? { subscriptionId: invoice.subscription.id } : {}),
      customerId: invoice.customer.id,
      data: {
        invoiceId: invoice.id,
        disputeId: dispute.id,
        amountDue: invoice.amountDue,
        amountPaid: invoice.amountPaid,
        amountRemaining: invoice.amountDue - invoice.amountPaid,
      },
      occurredAt: at,
    });
    events.push(reopened);
  }
  return { amount, events };
}
