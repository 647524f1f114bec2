import type { EntityManager } from '@mikro-orm/postgresql';
import { Invoice, PaymentMethod, SellerSettings } from '../db/entities';
import { chargeInvoiceAttempt } from '../db/services/invoice-collection';
import { DEFAULT_DUNNING_POLICY, nextDunningStep } from '../domain/dunning';
import type { PaymentGateway } from '../gateways';
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
 * One charge attempt of an invoice with the subscription's own card, else the customer's default: the shared
 * collection step (`chargeInvoiceAttempt`: attempt row, gateway key `<invoice>:attempt:<n>`, an ambiguous try
 * settled by lookup), and on a decline the dunning step it leads to and whether a retry of the same card can succeed.
 */
export async function chargeAttempt(
  em: EntityManager,
  gateway: PaymentGateway,
  request: AttemptRequest,
): Promise<ChargeOutcome> {
  // The identity map's copy will do: only its customer is read here (it never changes), and chargeInvoiceAttempt
  // reads the invoice afresh before it decides anything, a paid one included.
  const invoice = await em.findOneOrFail(Invoice, request.invoiceId);
  const method = await resolvePaymentMethod(em, invoice.customer.id, request.paymentMethodId);
  const result = await chargeInvoiceAttempt(em, gateway, {
    invoiceId: invoice.id,
    attempt: request.attempt,
    paymentMethodId: method?.id ?? null,
    metadata: { invoice_id: invoice.id, subscription_id: request.subscriptionId },
    at: request.at,
  });
  if (result.outcome === 'paid')
    return { outcome: 'paid', chargeId: result.chargeId, attempt: request.attempt };
  const { declineCode } = result;
  return {
    outcome: 'declined',
    declineCode,
    hard: declineCode === 'no_payment_method' || requiresNewPaymentMethod(normalizeDeclineCode(declineCode)),
    attempt: request.attempt,
    dunning: await dunningDecision(em, request.dunning),
  };
}
