import type { EntityManager } from '@mikro-orm/postgresql';
import { Invoice, PaymentMethod, SellerSettings } from '../db/entities';
import { recordPaymentAttempt, recordPaymentResult } from '../db/services';
import { DEFAULT_DUNNING_POLICY, nextDunningStep } from '../domain/dunning';
import { money } from '../domain/money';
import { chargeOnce, isGatewayError, type PaymentGateway } from '../gateways';
import { normalizeDeclineCode, requiresNewPaymentMethod } from '../gateways/decline-codes';
import { noticeEmail } from './calendar.activities';
import type { ChargeOutcome, DunningContext, DunningDecision } from './lifecycle.contract';

/**
 * The payment method a charge uses: the subscription's own, else the customer's default (as Stripe does), so a card
 * attached to the customer during a trial is found at the trial's end. A detached method is not used.
 */
export async function resolvePaymentMethod(
  em: EntityManager,
  customerId: string,
  own: string | null,
): Promise<PaymentMethod | null> {
  if (own) {
    const method = await em.findOne(PaymentMethod, { id: own, customer: customerId, detachedAt: null });
    if (method) return method;
  }
  return em.findOne(PaymentMethod, { customer: customerId, isDefault: true, detachedAt: null });
}

/** Where a failed attempt leaves the episode under the seller's policy (read when the decision is due). */
export async function dunningDecision(em: EntityManager, context: DunningContext): Promise<DunningDecision> {
  const seller = await em.findOne(SellerSettings, 1);
  const step = nextDunningStep(
    seller?.dunningPolicy ?? DEFAULT_DUNNING_POLICY,
    context.failedAttempts,
    context.firstFailureAt,
    context.timeZone,
  );
  return step.type === 'retry'
    ? { type: 'retry', retryAt: step.retryAt, notice: noticeEmail[step.notice] }
    : { type: 'final', action: step.action };
}

export interface AttemptRequest {
  subscriptionId: string;
  invoiceId: string;
  attempt: number;
  paymentMethodId: string | null;
  at: string;
  dunning: DunningContext;
}

/**
 * One charge attempt of an invoice, keyed by (invoice, attempt) end to end: the attempt row, the gateway's
 * idempotency key and the lookup that settles an ambiguous earlier try all use the same key. A decline is an
 * answer, with the dunning step it leads to; an unreachable processor is thrown for the activity's retries.
 */
export async function chargeAttempt(
  em: EntityManager,
  gateway: PaymentGateway,
  request: AttemptRequest,
): Promise<ChargeOutcome> {
  const invoice = await em.findOneOrFail(Invoice, request.invoiceId, { refresh: true });
  const declined = async (declineCode: string): Promise<ChargeOutcome> => ({
    outcome: 'declined',
    declineCode,
    hard: declineCode === 'no_payment_method' || requiresNewPaymentMethod(normalizeDeclineCode(declineCode)),
    attempt: request.attempt,
    dunning: await dunningDecision(em, request.dunning),
  });
  if (invoice.status === 'paid' || invoice.amountDue - invoice.amountPaid <= 0) {
    return { outcome: 'paid', chargeId: null, attempt: request.attempt };
  }
  const method = await resolvePaymentMethod(em, invoice.customer.id, request.paymentMethodId);
  if (!method) return declined('no_payment_method');
  const { attempt } = await recordPaymentAttempt(em, {
    invoiceId: invoice.id,
    attempt: request.attempt,
    gateway: gateway.name,
    paymentMethodId: method.id,
  });
  if (attempt.status === 'succeeded')
    return { outcome: 'paid', chargeId: attempt.gatewayReference ?? null, attempt: request.attempt };
  if (attempt.status === 'failed') return declined(attempt.failureCode ?? 'generic_decline');

  let result;
  try {
    const { customerRef } = await gateway.createCustomer({
      idempotencyKey: `customer:${invoice.customer.id}`,
    });
    result = await chargeOnce(gateway, {
      amount: money(attempt.amount, attempt.currency),
      customerRef,
      paymentMethodRef: method.token,
      idempotencyKey: attempt.idempotencyKey,
      description: `Invoice ${invoice.number ?? invoice.id}`,
      metadata: { invoice_id: invoice.id, subscription_id: request.subscriptionId },
    });
  } catch (error) {
    // A processor that is down or slow is retried by the activity; a request it refuses is a decline.
    if (isGatewayError(error) && !error.retryable) {
      result = { status: 'declined' as const, declineCode: error.code, message: error.message };
    } else throw error;
  }
  if (result.status === 'succeeded') {
    await recordPaymentResult(em, attempt.idempotencyKey, {
      status: 'succeeded',
      gatewayReference: result.chargeId,
      at: request.at,
    });
    return { outcome: 'paid', chargeId: result.chargeId, attempt: request.attempt };
  }
  await recordPaymentResult(em, attempt.idempotencyKey, {
    status: 'failed',
    failureCode: result.declineCode,
    failureMessage: result.message,
    at: request.at,
  });
  return declined(result.declineCode);
}
