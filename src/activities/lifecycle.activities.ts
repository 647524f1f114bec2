import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { Customer, Invoice, InvoiceLine, PaymentAttempt, Refund } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { createOrGetRenewalInvoice, finalizeInvoice, isStoreError, refundPayment } from '../db/services';
import { couponsForPeriod } from '../db/services/coupons';
import { Context } from '@temporalio/activity';
import { dispatchWebhooks } from '../webhooks/dispatch';
import { periodBounds, reminderAt } from '../domain/calendar';
import { buildDraftInvoice } from '../domain/invoice';
import { money } from '../domain/money';
import { priceAmount } from '../domain/pricing';
import type { PaymentGateway } from '../gateways';
import type { Mailer } from '../mail/mailer';
import type { BillingPeriod, PeriodPlan, SubscriptionItem } from '../workflows/lifecycle/state';
import { YEARLY_RENEWAL_REMINDER_DAYS } from './calendar.activities';
import { chargeAttempt, resolvePaymentMethod } from './charging';
import { createCommitActivity } from './commit';
import { creditUnusedTime, unusedPartOfPeriod } from './unused-time';
import { classified } from './failures';
import {
  categoryOf,
  changeLines,
  describeItem,
  periodLines,
  pricesIncludeTax,
  pricesOf,
  taxAndCredit,
} from './invoice-drafts';
import type {
  BillChangeRequest,
  BillChangeResult,
  BillPeriodRequest,
  BillPeriodResult,
  ChargeOutcome,
  CollectRequest,
  OpenedInvoice,
  UnusedPeriodRequest,
} from './lifecycle.contract';

export interface LifecycleDeps {
  orm: Orm;
  mailer: Mailer;
  gateway: PaymentGateway;
  client?: Client;
}

/** Finalizing twice is refused by the store; for a retried activity whose first try committed, that means done. */
export async function finalizeOnce(em: EntityManager, invoice: Invoice, at: string): Promise<Invoice> {
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

function periodPlan(request: Pick<BillPeriodRequest, 'period' | 'calendar' | 'timeZone'>): PeriodPlan {
  const period =
    request.period ??
    periodBounds(
      request.calendar.anchor,
      request.calendar.interval,
      request.calendar.index,
      request.timeZone,
    );
  return {
    period,
    renewalReminderAt:
      request.calendar.interval.unit === 'year'
        ? reminderAt(period.end, YEARLY_RENEWAL_REMINDER_DAYS, request.timeZone)
        : null,
  };
}

const opened = (invoice: Invoice): OpenedInvoice => ({
  invoiceId: invoice.id,
  number: invoice.number ?? '',
  total: invoice.total,
  amountDue: invoice.amountDue,
});

/** The items whose setup fees are among an invoice's lines. */
const setupFeesAmong = (lines: readonly InvoiceLine[]): string[] =>
  lines
    .filter((line) => line.kind === 'setup_fee')
    .map((line) => line.subscriptionItemId)
    .filter((id): id is string => typeof id === 'string');

/** The setup fees an invoice carries, read back from its lines so that a retried activity answers the same. */
async function setupFeesOn(em: EntityManager, invoiceId: string): Promise<string[]> {
  return setupFeesAmong(
    await em.find(InvoiceLine, { invoice: invoiceId, kind: 'setup_fee' }, { orderBy: { position: 'asc' } }),
  );
}

export function createLifecycleActivities({ orm, gateway, client }: LifecycleDeps) {
  /** Everything one period's invoice carries, built once: the (subscription, period index) key keeps it single. */
  async function periodInvoice(
    em: EntityManager,
    request: BillPeriodRequest,
    period: BillingPeriod,
  ): Promise<{ invoice: Invoice; lines: InvoiceLine[] } | null> {
    const built = await periodLines(em, request, period);
    // A final invoice with nothing on it is not worth a number.
    if (!request.licensed && built.lines.every((line) => line.amount.amount === 0)) return null;
    const [{ tax, balance }, coupons] = await Promise.all([
      taxAndCredit(em, request.customerId, request.currency, period.start),
      couponsForPeriod(em, request.subscriptionId, request.periodIndex),
    ]);
    const draft = buildDraftInvoice({
      currency: request.currency,
      items: built.lines,
      tax,
      pricesIncludeTax: pricesIncludeTax(request.items, built.prices),
      creditBalance: money(balance, request.currency),
      coupons: request.licensed ? coupons : [],
    });
    const { invoice, lines } = await createOrGetRenewalInvoice(em, {
      subscriptionId: request.subscriptionId,
      periodIndex: request.periodIndex,
      billingReason: 'subscription_cycle',
      periodStart: period.start,
      periodEnd: period.end,
      draft,
      pendingItemIds: built.pendingItemIds,
    });
    return { invoice, lines };
  }

  return {
    /**
     * A new period, invoiced and charged in one step: its bounds from the anchor (time-zone data stays out of
     * workflow code), the invoice keyed by (subscription, period index) with every item, usage, fee, credit and
     * discount, finalized with the next gapless number, and the first charge attempt.
     */
    async billPeriod(request: BillPeriodRequest): Promise<BillPeriodResult> {
      return classified(async () => {
        const em = orm.em.fork();
        const plan = periodPlan(request);
        const period = request.licensed ? plan.period : (request.usageWindow ?? plan.period);
        if (
          request.requirePaymentMethod &&
          !(await resolvePaymentMethod(em, request.customerId, request.paymentMethodId))
        ) {
          return { billed: false, reason: 'no_payment_method', plan };
        }
        const existing = await em.findOne(Invoice, {
          subscription: request.subscriptionId,
          periodIndex: request.periodIndex,
        });
        const built = existing ? null : await periodInvoice(em, request, period);
        const invoice = existing ?? built?.invoice;
        if (!invoice) return { billed: false, reason: 'nothing_to_bill', plan };
        // A period's invoice is dated at the period's start (the simulated date under a test clock, even when the
        // clock was moved past several periods at once); a final invoice at the moment the subscription ends.
        const issuedAt = request.licensed ? period.start : request.at;
        const finalized = await finalizeOnce(em, invoice, issuedAt);
        const charge =
          finalized.status === 'paid'
            ? null
            : await chargeAttempt(em, gateway, {
                subscriptionId: request.subscriptionId,
                invoiceId: finalized.id,
                attempt: 1,
                paymentMethodId: request.paymentMethodId,
                at: issuedAt,
                dunning: { ...request.dunning, firstFailureAt: issuedAt },
              });
        return {
          billed: true,
          plan,
          // Number, total and amount due as finalized: a charge changes none of them.
          invoice: opened(finalized),
          charge,
          setupFeesBilled: built ? setupFeesAmong(built.lines) : await setupFeesOn(em, finalized.id),
        };
      });
    },

    /**
     * A change of items within the period: per item, the unused time of the old amount as a credit and the
     * remaining time of the new amount as a charge, to the second. `always_invoice` puts them (and the setup fees of
     * added items) on an invoice of their own and charges it; `create_prorations` only answers the lines, which the
     * workflow records as pending items for the next invoice.
     */
    async billChange(request: BillChangeRequest): Promise<BillChangeResult> {
      return classified(async () => {
        const em = orm.em.fork();
        const { prices, lines, fees } = await changeLines(em, request);
        if (request.proration === 'create_prorations') {
          return { lines, invoice: null, charge: null, setupFeesBilled: [] };
        }
        if (lines.every((line) => line.amount === 0) && fees.length === 0) {
          return { lines, invoice: null, charge: null, setupFeesBilled: [] };
        }
        const { tax, balance } = await taxAndCredit(em, request.customerId, request.currency, request.at);
        const draft = buildDraftInvoice({
          currency: request.currency,
          items: [
            ...lines.map((line) => ({
              kind: 'proration' as const,
              description: line.description,
              amount: money(line.amount, request.currency),
              quantity: 1,
              periodStart: line.periodStart,
              periodEnd: line.periodEnd,
              itemId: line.itemId,
              taxCategory: categoryOf([...request.before, ...request.after], prices, line.itemId),
            })),
            ...fees,
          ],
          tax,
          pricesIncludeTax: pricesIncludeTax(request.after, prices),
          creditBalance: money(balance, request.currency),
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
        const charge =
          finalized.status === 'paid'
            ? null
            : await chargeAttempt(em, gateway, {
                subscriptionId: request.subscriptionId,
                invoiceId: finalized.id,
                attempt: 1,
                paymentMethodId: request.paymentMethodId,
                at: request.at,
                dunning: request.dunning,
              });
        return {
          lines,
          invoice: {
            // Number, total and amount due as finalized: a charge changes none of them.
            ...opened(finalized),
            lines: rows.map((row) => ({
              kind: row.kind,
              description: row.description,
              amount: row.amount,
              ...(row.periodStart ? { periodStart: row.periodStart.toISOString() } : {}),
              ...(row.periodEnd ? { periodEnd: row.periodEnd.toISOString() } : {}),
            })),
          },
          charge,
          setupFeesBilled: setupFeesAmong(rows),
        };
      });
    },

    /** A later attempt on an invoice being collected: a dunning retry, `/pay`, or a new payment method. */
    async collectInvoice(request: CollectRequest): Promise<ChargeOutcome | null> {
      return classified(async () => {
        const em = orm.em.fork();
        return chargeAttempt(em, gateway, request);
      });
    },

    /**
     * The unused part of a paid period, to the second: credited to the balance, refunded on the period's charge,
     * or forfeited. Keyed by the cause, so a retry settles it once.
     */
    async settleUnusedTime(request: UnusedPeriodRequest): Promise<{ credited: number; refunded: number }> {
      return classified(async () => {
        if (request.disposition === 'none') return { credited: 0, refunded: 0 };
        const em = orm.em.fork();
        if (request.disposition === 'credit')
          return { credited: await creditUnusedTime(em, request), refunded: 0 };
        const part = await unusedPartOfPeriod(em, request);
        if (!part) return { credited: 0, refunded: 0 };
        const { invoice, unused } = part;
        const payment = await em.findOne(PaymentAttempt, { invoice: invoice.id, status: 'succeeded' });
        if (!payment?.gatewayReference) return { credited: 0, refunded: 0 };
        // Credit from the balance that paid part of the invoice is not cash; only the charged part is refunded, and
        // never more than earlier refunds (or a chargeback) left of it.
        const returned = await em.find(Refund, { paymentAttempt: payment.id });
        const remaining = payment.amount - returned.reduce((total, refund) => total + refund.amount, 0);
        const amount = Math.min(unused, remaining);
        if (amount <= 0) return { credited: 0, refunded: 0 };
        const { event } = await refundPayment(em, gateway, {
          paymentAttemptId: payment.id,
          amount,
          idempotencyKey: request.causeKey,
          reason: 'unused_time',
          at: request.at,
        });
        if (client && event) {
          await dispatchWebhooks({ orm, client, taskQueue: Context.current().info.taskQueue }, [event.id]);
        }
        return { credited: 0, refunded: amount };
      });
    },

    /** Items of a run that continued from schema version 1, priced and named from the catalogue. */
    async describeItems(request: {
      customerId: string;
      currency: string;
      items: SubscriptionItem[];
    }): Promise<{ items: SubscriptionItem[]; testClockId: string | null }> {
      return classified(async () => {
        const em = orm.em.fork();
        const [prices, customer] = await Promise.all([
          pricesOf(em, request.items, request.currency),
          em.findOneOrFail(Customer, request.customerId),
        ]);
        const items = request.items.map((item) => {
          const price = prices.get(item.planId);
          if (!price) return item;
          const metered = Boolean(price.plan.meter);
          return {
            ...item,
            name: price.plan.name,
            metered,
            addOn: price.plan.product.addOn,
            amount: metered
              ? 0
              : priceAmount({ currency: price.currency, scheme: price.scheme }, item.quantity).amount,
            interval: { unit: price.plan.intervalUnit, count: price.plan.intervalCount },
            ...(price.plan.taxBehavior === 'inclusive' ? { taxInclusive: true } : {}),
          };
        });
        return { items, testClockId: customer.testClockId ?? null };
      });
    },

    commitTransition: createCommitActivity({ orm, client }),
  };
}

export { describeItem };
