import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type DraftInvoice, type InvoiceItemInput, buildDraftInvoice } from '../domain/invoice';
import { money } from '../domain/money';
import { aggregateUsage, priceLines } from '../domain/pricing';
import { prorationLines } from '../domain/proration';
import { determineTax } from '../domain/tax';
import {
  Customer,
  Discount,
  Invoice,
  Meter,
  PaymentAttempt,
  PaymentMethod,
  Plan,
  PlanPrice,
  SellerSettings,
  Subscription,
  UsageEvent,
} from '../db/entities';
import type { Orm } from '../db/orm.config';
import {
  adjustCustomerBalance,
  appendDomainEvent,
  closeInvoice,
  createOrGetRenewalInvoice,
  finalizeInvoice,
  isStoreError,
  recordPaymentAttempt,
  recordPaymentResult,
  recordRefund,
  redeemCoupon,
  toDomainCoupon,
} from '../db/services';
import { discountAppliesToPeriod } from '../domain/coupons';
import { DomainError } from '../domain/errors';
import { chargeOnce, isGatewayError, type PaymentGateway } from '../gateways';
import type { Mailer } from '../mail/mailer';
import { dispatchWebhooks } from '../webhooks/dispatch';
import { createHash } from 'node:crypto';
import { unusedPartOfPeriod } from './unused-time';
import type {
  ChangeInvoice,
  ChangeInvoiceRequest,
  ChargeOutcome,
  ChargeRequest,
  DomainEventRequest,
  OpenedInvoice,
  PeriodInvoiceRequest,
  RedeemCouponOutcome,
  RedeemCouponRequest,
  UnusedPeriodRequest,
  VoidInvoiceOutcome,
  VoidInvoiceRequest,
} from './legacy.contract';
import type { SubscriptionState } from '../workflows/lifecycle/legacy/state-v1';

interface LifecycleDeps {
  orm: Orm;
  mailer: Mailer;
  gateway: PaymentGateway;
  client?: Client;
}

/** Failure types the workflow may branch on; anything else is retried by the activity's policy. */
export const LifecycleFailure = {
  misconfigured: 'BillingMisconfigured',
} as const;

async function sellerOf(em: EntityManager): Promise<SellerSettings> {
  const seller = await em.findOne(SellerSettings, 1);
  if (!seller) {
    throw ApplicationFailure.nonRetryable(
      'Seller settings are missing: PUT /v1/settings first',
      LifecycleFailure.misconfigured,
    );
  }
  return seller;
}

async function draftForPeriod(em: EntityManager, request: PeriodInvoiceRequest): Promise<DraftInvoice> {
  const [customer, seller, price, discounts] = await Promise.all([
    em.findOneOrFail(Customer, request.customerId),
    sellerOf(em),
    em.findOne(
      PlanPrice,
      { plan: request.plan.planId, currency: request.currency },
      { populate: ['plan', 'plan.meter'] },
    ),
    em.find(
      Discount,
      { subscription: request.subscriptionId },
      { populate: ['coupon'], orderBy: { createdAt: 'asc' } },
    ),
  ]);
  const coupons = discounts
    .map((discount) => ({ discount, coupon: toDomainCoupon(discount.coupon) }))
    .filter(({ discount, coupon }) =>
      discountAppliesToPeriod(coupon.duration, discount.startPeriodIndex, request.periodIndex),
    )
    .map(({ coupon }) => coupon);
  if (!price) {
    throw ApplicationFailure.nonRetryable(
      `Plan ${request.plan.planId} has no ${request.currency} price`,
      LifecycleFailure.misconfigured,
    );
  }
  const items = price.plan.meter
    ? await usageItems(em, request, price)
    : priceLines(
        { currency: price.currency, scheme: price.scheme },
        request.quantity,
        `${price.plan.name} (${request.period.start.slice(0, 10)} – ${request.period.end.slice(0, 10)})`,
      ).map((line) => ({
        kind: 'subscription' as const,
        description: line.description,
        amount: line.amount,
        quantity: line.quantity,
        unitAmount: line.unitAmount,
        periodStart: request.period.start,
        periodEnd: request.period.end,
      }));
  const balance = customer.balanceCurrency === request.currency ? customer.balance : 0;
  return buildDraftInvoice({
    currency: request.currency,
    items,
    tax: determineTax(
      { country: seller.country, vatId: seller.vatId ?? undefined },
      { country: customer.country, vatId: customer.vatId ?? undefined },
    ),
    pricesIncludeTax: price.plan.taxBehavior === 'inclusive',
    creditBalance: money(balance, request.currency),
    coupons,
  });
}

/**
 * A metered plan bills in arrears: the invoice that opens period n carries the usage of period n − 1 (the window
 * of that period's own invoice), aggregated by the meter and priced by the plan's scheme.
 */
async function usageItems(
  em: EntityManager,
  request: PeriodInvoiceRequest,
  price: PlanPrice,
): Promise<InvoiceItemInput[]> {
  const meter = price.plan.meter as Meter;
  const previous = await em.findOne(Invoice, {
    subscription: request.subscriptionId,
    periodIndex: request.periodIndex - 1,
  });
  if (!previous?.periodStart || !previous.periodEnd) return [];
  const start = previous.periodStart.toISOString();
  const end = previous.periodEnd.toISOString();
  const events = await em.find(UsageEvent, {
    subscription: request.subscriptionId,
    meter: meter.id,
    occurredAt: { $gte: previous.periodStart, $lt: previous.periodEnd },
  });
  const quantity = aggregateUsage(
    events.map((event) => ({
      id: event.clientId,
      timestamp: event.occurredAt.toISOString(),
      quantity: event.quantity,
      ...(event.value ? { value: event.value } : {}),
    })),
    meter.aggregation,
    start,
    end,
  );
  return priceLines(
    { currency: price.currency, scheme: price.scheme },
    quantity,
    `${meter.name} (${start.slice(0, 10)} – ${end.slice(0, 10)})`,
  ).map((line) => ({
    kind: 'usage' as const,
    description: line.description,
    amount: line.amount,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    periodStart: start,
    periodEnd: end,
  }));
}

/** Finalizing twice is refused by the store; for a retried activity whose first try committed, that means done. */
async function finalizeOnce(em: EntityManager, invoice: Invoice, at: string): Promise<Invoice> {
  if (invoice.status !== 'draft') return invoice;
  try {
    return await finalizeInvoice(em, invoice.id, { at });
  } catch (error) {
    if (isStoreError(error) && error.code === 'invoice_not_draft') {
      return em.findOneOrFail(Invoice, invoice.id, { refresh: true });
    }
    throw error;
  }
}

function projectionStatus(state: SubscriptionState): Subscription['status'] {
  return state.status === 'incomplete_expired' ? 'ended' : state.status;
}

/**
 * The activities of schema version 1 runs, under their version 1 names and shapes, kept until no such run is left:
 * a run started before the item model finishes its period on these, then continues as version 2
 * (`src/workflows/lifecycle/legacy/`).
 */
export function createLegacyLifecycleActivities({ orm, gateway, client }: LifecycleDeps) {
  return {
    /** Creates (once) and finalizes the invoice of one subscription period; credit is applied inside. */
    async openPeriodInvoice(request: PeriodInvoiceRequest): Promise<OpenedInvoice> {
      const em = orm.em.fork();
      let invoice = await em.findOne(Invoice, {
        subscription: request.subscriptionId,
        periodIndex: request.periodIndex,
      });
      if (!invoice) {
        const created = await createOrGetRenewalInvoice(em, {
          subscriptionId: request.subscriptionId,
          periodIndex: request.periodIndex,
          periodStart: request.period.start,
          periodEnd: request.period.end,
          draft: await draftForPeriod(em, request),
        });
        invoice = created.invoice;
      }
      // The invoice is dated at its period's start, which under a test clock is the simulated date.
      const finalized = await finalizeOnce(em, invoice, request.period.start);
      return { invoiceId: finalized.id, number: finalized.number ?? '', amountDue: finalized.amountDue };
    },

    /**
     * One charge attempt of an invoice, keyed by (invoice, attempt) end to end: the attempt row, the gateway's
     * idempotency key and the lookup that settles an ambiguous earlier try all use the same key.
     */
    async chargeInvoice(request: ChargeRequest): Promise<ChargeOutcome> {
      const em = orm.em.fork();
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
      if (attempt.status === 'succeeded')
        return { outcome: 'paid', chargeId: attempt.gatewayReference ?? null };
      if (attempt.status === 'failed')
        return { outcome: 'declined', declineCode: attempt.failureCode ?? 'unknown' };

      let result;
      try {
        const { customerRef } = await gateway.createCustomer({
          idempotencyKey: `customer:${invoice.customer.id}`,
        });
        result = await chargeOnce(gateway, {
          amount: money(attempt.amount, attempt.currency),
          customerRef,
          paymentMethodRef: paymentMethod.token,
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
        });
        return { outcome: 'paid', chargeId: result.chargeId };
      }
      await recordPaymentResult(em, attempt.idempotencyKey, {
        status: 'failed',
        failureCode: result.declineCode,
        failureMessage: result.message,
      });
      return { outcome: 'declined', declineCode: result.declineCode };
    },

    /**
     * An immediate plan or quantity change: the unused time of the old price as a credit line and the remaining time
     * of the new price as a charge line, to the second, on their own invoice (tax on the net, credit applied).
     */
    async invoiceChange(request: ChangeInvoiceRequest): Promise<ChangeInvoice | null> {
      const em = orm.em.fork();
      const lines = prorationLines({
        current: {
          description: request.current.description,
          amount: money(request.current.amount, request.currency),
        },
        next: { description: request.next.description, amount: money(request.next.amount, request.currency) },
        periodStart: request.period.start,
        periodEnd: request.period.end,
        changeAt: request.at,
      });
      if (lines.every((line) => line.amount.amount === 0)) return null;
      const [customer, seller, plan] = await Promise.all([
        em.findOneOrFail(Customer, request.customerId),
        sellerOf(em),
        em.findOneOrFail(Plan, request.planId),
      ]);
      const draft = buildDraftInvoice({
        currency: request.currency,
        items: lines.map((line) => ({
          kind: 'proration',
          description: line.description,
          amount: line.amount,
          quantity: 1,
          periodStart: line.periodStart,
          periodEnd: line.periodEnd,
        })),
        tax: determineTax(
          { country: seller.country, vatId: seller.vatId ?? undefined },
          { country: customer.country, vatId: customer.vatId ?? undefined },
        ),
        pricesIncludeTax: plan.taxBehavior === 'inclusive',
        creditBalance: money(
          customer.balanceCurrency === request.currency ? customer.balance : 0,
          request.currency,
        ),
      });
      const { invoice, lines: rows } = await createOrGetRenewalInvoice(em, {
        subscriptionId: request.subscriptionId,
        periodIndex: null,
        invoiceId: `in_${createHash('sha256').update(request.changeKey).digest('hex').slice(0, 24)}`,
        billingReason: 'subscription_update',
        periodStart: request.at,
        periodEnd: request.period.end,
        draft,
      });
      const finalized = await finalizeOnce(em, invoice, request.at);
      return {
        invoiceId: finalized.id,
        number: finalized.number ?? '',
        amountDue: finalized.amountDue,
        lines: rows.map((row) => ({
          kind: row.kind,
          description: row.description,
          amount: row.amount,
          ...(row.periodStart ? { periodStart: row.periodStart.toISOString() } : {}),
          ...(row.periodEnd ? { periodEnd: row.periodEnd.toISOString() } : {}),
        })),
      };
    },

    /** A coupon the rules refuse (expired, used up, other plan or currency) is an answer, not a failure. */
    async redeemCoupon(request: RedeemCouponRequest): Promise<RedeemCouponOutcome> {
      try {
        await redeemCoupon(orm.em.fork(), request);
        return { redeemed: true };
      } catch (error) {
        if (error instanceof DomainError || (isStoreError(error) && error.code === 'not_found')) {
          return { redeemed: false, reason: error.message };
        }
        throw error;
      }
    },

    async markInvoiceUncollectible({ invoiceId }: { invoiceId: string }): Promise<void> {
      await closeInvoice(orm.em.fork(), invoiceId, 'uncollectible');
    },

    async voidInvoice({ invoiceId }: { invoiceId: string }): Promise<void> {
      await closeInvoice(orm.em.fork(), invoiceId, 'void');
    },

    /**
     * A void asked for through the API: an invoice that was settled or closed meanwhile, or that belongs to another
     * subscription, is refused with a reason rather than failed, so the workflow can reject the command instead of
     * retrying an activity that cannot succeed.
     */
    async voidOpenInvoice(request: VoidInvoiceRequest): Promise<VoidInvoiceOutcome> {
      const em = orm.em.fork();
      const invoice = await em.findOne(Invoice, request.invoiceId, { refresh: true });
      if (!invoice || invoice.subscription?.id !== request.subscriptionId) {
        return {
          voided: false,
          reason: `Invoice ${request.invoiceId} is not an invoice of this subscription`,
        };
      }
      try {
        await closeInvoice(em, invoice.id, 'void');
        return { voided: true };
      } catch (error) {
        if (!isStoreError(error) || error.code !== 'invalid_state') throw error;
        const current = await orm.em.fork().findOneOrFail(Invoice, invoice.id, { refresh: true });
        return {
          voided: false,
          reason: `Invoice ${invoice.id} is ${current.status}; only an open invoice can be voided`,
        };
      }
    },

    /**
     * The unused part of a paid period, to the second: credited to the balance, refunded on the period's charge,
     * or forfeited. Keyed by the cause, so a retry settles it once.
     */
    async settleUnusedPeriod(request: UnusedPeriodRequest): Promise<{ credited: number; refunded: number }> {
      if (request.disposition === 'none') return { credited: 0, refunded: 0 };
      const em = orm.em.fork();
      const part = await unusedPartOfPeriod(em, request);
      if (!part) return { credited: 0, refunded: 0 };
      const { invoice, unused } = part;
      if (request.disposition === 'credit') {
        await adjustCustomerBalance(em, {
          customerId: request.customerId,
          amount: unused,
          currency: invoice.currency,
          sourceKey: request.causeKey,
          description: `Unused time ${request.at.slice(0, 10)} – ${request.period.end.slice(0, 10)}`,
        });
        return { credited: unused, refunded: 0 };
      }
      const payment = await em.findOne(PaymentAttempt, { invoice: invoice.id, status: 'succeeded' });
      if (!payment?.gatewayReference) return { credited: 0, refunded: 0 };
      // Credit from the balance that paid part of the invoice is not cash; only the charged part is refunded.
      const amount = Math.min(unused, payment.amount);
      const refund = await gateway.refund({
        chargeId: payment.gatewayReference,
        amount: money(amount, payment.currency),
        idempotencyKey: request.causeKey,
      });
      await recordRefund(em, {
        paymentAttemptId: payment.id,
        amount,
        reason: 'unused_time',
        idempotencyKey: request.causeKey,
        gatewayReference: refund.refundId,
      });
      return { credited: 0, refunded: amount };
    },

    /** Keeps the subscription read model in step with the workflow, its source of truth. */
    async projectSubscription({ state }: { state: SubscriptionState }): Promise<void> {
      const em = orm.em.fork();
      const row = await em.findOneOrFail(Subscription, state.subscriptionId);
      row.status = projectionStatus(state);
      row.plan = em.getReference(Plan, state.plan.planId);
      row.quantity = state.quantity;
      row.billingAnchor = new Date(state.anchor);
      row.currentPeriodIndex = state.periodIndex;
      row.currentPeriodStart = new Date(state.period.start);
      row.currentPeriodEnd = new Date(state.period.end);
      row.trialEnd = state.trialEnd ? new Date(state.trialEnd) : null;
      row.cancelAtPeriodEnd = state.cancelAtPeriodEnd;
      row.canceledAt = state.canceledAt ? new Date(state.canceledAt) : null;
      row.cancellationReason = state.cancelReason;
      const ended = state.status === 'incomplete_expired' || state.status === 'canceled';
      row.endedAt = ended ? new Date(state.canceledAt ?? state.period.start) : null;
      row.pausedAt = state.status === 'paused' && state.pause ? new Date(state.pause.since) : null;
      row.pauseAtPeriodEnd = state.pauseAtPeriodEnd !== null;
      row.resumeAt = state.pause?.resumesAt ? new Date(state.pause.resumesAt) : null;
      await em.flush();
    },

    async recordEvent(request: DomainEventRequest): Promise<void> {
      const at = typeof request.data.at === 'string' ? request.data.at : new Date().toISOString();
      const { event } = await appendDomainEvent(orm.em.fork(), {
        key: request.eventKey,
        type: request.type,
        subscriptionId: request.subscriptionId,
        data: request.data as Parameters<typeof appendDomainEvent>[1]['data'],
        occurredAt: at,
      });
      // Also when the event already existed: a retry after a failed dispatch starts what is missing.
      if (client)
        await dispatchWebhooks({ orm, client, taskQueue: Context.current().info.taskQueue }, [event.id]);
    },
  };
}
