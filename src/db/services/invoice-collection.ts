import type { EntityManager } from '@mikro-orm/postgresql';
import { money } from '../../domain/money';
import { chargeOnce } from '../../gateways/charge-once';
import { isGatewayError } from '../../gateways/errors';
import type { GatewayMetadata, PaymentGateway } from '../../gateways/types';
import { Invoice, PaymentMethod } from '../entities';
import {
  recordPaymentAttempt,
  recordPaymentResult,
  settlePendingAttempt,
  type PaymentOutcome,
} from './payments';

export type CollectionRequest = {
  invoiceId: string;
  /** 1 for the first try; part of the idempotency key `<invoice>:attempt:<n>`, so a retry never charges twice. */
  attempt: number;
  paymentMethodId: string | null;
  /** Travels with the charge and comes back in the gateway's webhooks (`invoice_id`, `subscription_id`). */
  metadata: GatewayMetadata;
  /** When the outcome is recorded (`paid_at`); a test clock's time under one. Defaults to now. */
  at?: string;
};

export type CollectionOutcome =
  { outcome: 'paid'; chargeId: string | null } | { outcome: 'declined'; declineCode: string };

/**
 * One charge attempt of an open invoice, keyed by (invoice, attempt) end to end: the attempt row is written first,
 * the gateway receives the same key, and `chargeOnce` looks the key up before charging, so an attempt whose answer
 * was lost (a timeout, a crash) is settled instead of charged again. A decline is an answer; a processor outage
 * throws a retryable `GatewayError` and leaves the attempt pending for the same call to settle later.
 *
 * The same steps as the subscription workflow's `chargeInvoice` activity, without a workflow: it serves invoices
 * that no subscription charges (one-off invoices).
 */
export async function chargeInvoiceAttempt(
  em: EntityManager,
  gateway: PaymentGateway,
  request: CollectionRequest,
): Promise<CollectionOutcome> {
  const invoice = await em.findOneOrFail(Invoice, request.invoiceId, { refresh: true });
  if (invoice.status === 'paid' || invoice.amountDue - invoice.amountPaid <= 0) {
    return { outcome: 'paid', chargeId: null };
  }
  if (!request.paymentMethodId) return { outcome: 'declined', declineCode: 'no_payment_method' };
  const paymentMethod = await em.findOneOrFail(PaymentMethod, request.paymentMethodId);
  const { attempt } = await recordPaymentAttempt(em, {
    invoiceId: invoice.id,
    attempt: request.attempt,
    gateway: gateway.name,
    paymentMethodId: paymentMethod.id,
  });
  if (attempt.status === 'succeeded') return { outcome: 'paid', chargeId: attempt.gatewayReference ?? null };
  if (attempt.status === 'failed')
    return { outcome: 'declined', declineCode: attempt.failureCode ?? 'unknown' };

  let result;
  try {
    const { customerRef } = await gateway.createCustomer({
      idempotencyKey: `customer:${invoice.customer.id}`,
    });
    result = await chargeOnce(gateway, {
      // The attempt's own amount and currency, fixed when its row was written.
      amount: money(attempt.amount, attempt.currency),
      customerRef,
      paymentMethodRef: paymentMethod.token,
      idempotencyKey: attempt.idempotencyKey,
      description: `Invoice ${invoice.number ?? invoice.id}`,
      metadata: request.metadata,
    });
  } catch (error) {
    // A processor that is down or slow is for the caller to retry; a request it refuses is a decline.
    if (isGatewayError(error) && !error.retryable) {
      result = { status: 'declined' as const, declineCode: error.code, message: error.message };
    } else throw error;
  }
  const at = request.at === undefined ? {} : { at: request.at };
  const outcome: PaymentOutcome =
    result.status === 'succeeded'
      ? { status: 'succeeded', gatewayReference: result.chargeId, ...at }
      : { status: 'failed', failureCode: result.declineCode, failureMessage: result.message, ...at };
  // An answer recorded before (a retried activity, a webhook first) takes the checked path: the same answer is a
  // no-op, a contradicting one an error.
  if (!(await settlePendingAttempt(em, attempt.idempotencyKey, outcome))) {
    await recordPaymentResult(em, attempt.idempotencyKey, outcome);
  }
  return result.status === 'succeeded'
    ? { outcome: 'paid', chargeId: result.chargeId }
    : { outcome: 'declined', declineCode: result.declineCode };
}
