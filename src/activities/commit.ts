import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  Customer,
  Discount,
  Invoice,
  Plan,
  SellerSettings,
  Subscription,
  SubscriptionItemRow,
} from '../db/entities';
import type { Orm } from '../db/orm.config';
import { appendDomainEvent, closeInvoice, isStoreError, redeemCoupon } from '../db/services';
import { createInvoiceItem } from '../db/services/invoice-items';
import { isDomainError } from '../domain/errors';
import { dispatchWebhooks } from '../webhooks/dispatch';
import { CommandRejection } from '../workflows/lifecycle/messages';
import { nextMoneyMoment, type SubscriptionState } from '../workflows/lifecycle/state';
import { classified } from './failures';
import { pricesOf, taxAndCredit } from './invoice-drafts';
import { queueEmail } from '../mail/outbox';
import { recordMrrChange } from '../db/services/mrr';
import { subscriptionMrr, trialTransition } from '../domain/mrr';
import { money, multiplyByRatio } from '../domain/money';
import { taxRateFor } from '../domain/tax';
import { discountAppliesToPeriod } from '../domain/coupons';
import { toDomainCoupon } from '../db/services/coupons';
import type { CommitRequest, EmailDraft, OperatorView } from './lifecycle.contract';
import { operatorView } from './operator-view';
import { creditUnusedTime } from './unused-time';

const refused = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

/** The subscription as events and webhooks carry it; analytics rebuild their MRR ledger from exactly this. */
export function subscriptionSnapshot(
  state: SubscriptionState,
  previous: SubscriptionState | null,
  revenue: { netAmounts: Map<string, number>; discounts: SnapshotDiscount[] },
) {
  return {
    status: state.status,
    previous_status: previous?.status ?? null,
    currency: state.currency,
    interval: state.interval,
    items: state.items.map((item) => ({
      id: item.id,
      plan_id: item.planId,
      kind: item.metered ? ('metered' as const) : ('licensed' as const),
      quantity: item.quantity,
      // Without tax: a tax-inclusive item's contained tax is taken out.
      amount: revenue.netAmounts.get(item.id) ?? item.amount,
    })),
    discounts: revenue.discounts,
    coupon_ids: state.couponIds,
    test_mode: state.testClockId !== null,
  };
}

type SnapshotDiscount =
  | { coupon_id: string; type: 'percent'; basis_points: number; recurring: boolean }
  | { coupon_id: string; type: 'amount'; amount: number; recurring: boolean };

/**
 * What revenue figures need beyond the state: each tax-inclusive item's amount without its tax (at the customer's
 * rate for the item's category), and the discounts that reduce the subscription's current period, recurring unless
 * they apply once.
 */
async function revenueFacts(tx: EntityManager, state: SubscriptionState) {
  const netAmounts = new Map<string, number>();
  const inclusive = state.items.filter((item) => item.taxInclusive && !item.metered);
  if (inclusive.length > 0) {
    const [prices, { tax }] = await Promise.all([
      pricesOf(tx, inclusive, state.currency),
      taxAndCredit(tx, state.customerId, state.currency, state.period.start),
    ]);
    for (const item of inclusive) {
      const rate = taxRateFor(tax, prices.get(item.planId)?.plan.product.taxCategory ?? 'standard');
      const contained = multiplyByRatio(money(item.amount, state.currency), rate, 10_000 + rate).amount;
      netAmounts.set(item.id, item.amount - contained);
    }
  }
  const rows = await tx.find(
    Discount,
    { subscription: state.subscriptionId },
    { populate: ['coupon'], orderBy: { createdAt: 'asc' } },
  );
  const discounts: SnapshotDiscount[] = rows
    .filter((row) => row.endPeriodIndex == null || state.periodIndex < row.endPeriodIndex)
    .filter((row) =>
      discountAppliesToPeriod(toDomainCoupon(row.coupon).duration, row.startPeriodIndex, state.periodIndex),
    )
    .map((row) => {
      const recurring = row.coupon.duration !== 'once';
      return row.coupon.percentOffBp != null
        ? { coupon_id: row.coupon.id, type: 'percent', basis_points: row.coupon.percentOffBp, recurring }
        : { coupon_id: row.coupon.id, type: 'amount', amount: row.coupon.amountOff ?? 0, recurring };
    });
  return { netAmounts, discounts };
}

/** The snapshot in the form the revenue figures compute MRR from. */
function mrrOf(snapshot: ReturnType<typeof subscriptionSnapshot>): number {
  return subscriptionMrr({
    status: snapshot.status,
    currency: snapshot.currency,
    interval: snapshot.interval,
    items: snapshot.items.map((item) => ({ kind: item.kind, amount: item.amount })),
    discounts: snapshot.discounts.map((discount) =>
      discount.type === 'percent'
        ? { type: 'percent', basisPoints: discount.basis_points, recurring: discount.recurring }
        : { type: 'amount', amount: discount.amount, recurring: discount.recurring },
    ),
    testMode: snapshot.test_mode,
  });
}

async function recipientOf(
  em: EntityManager,
  state: SubscriptionState,
  email: EmailDraft,
): Promise<string | null> {
  if (email.kind === 'needs_attention') {
    const seller = await em.findOne(SellerSettings, 1);
    return seller?.notificationEmail ?? null;
  }
  return (await em.findOneOrFail(Customer, state.customerId)).email;
}

/** The read model becomes exactly the committed state: the subscription row and its items. */
async function project(tx: EntityManager, state: SubscriptionState): Promise<void> {
  const row = await tx.findOneOrFail(Subscription, state.subscriptionId);
  const base = state.items.find((item) => !item.metered && !item.addOn) ?? state.items[0];
  row.status = state.status === 'incomplete_expired' ? 'ended' : state.status;
  if (base) {
    row.plan = tx.getReference(Plan, base.planId);
    row.quantity = base.quantity;
  }
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
  row.attentionCode = state.attention?.code ?? null;
  const nextMoney = nextMoneyMoment(state);
  row.nextActionAt = nextMoney ? new Date(nextMoney) : null;
  row.state = state;
  const items = await tx.find(SubscriptionItemRow, { subscription: state.subscriptionId });
  for (const stale of items.filter((row) => !state.items.some((item) => item.id === row.id)))
    tx.remove(stale);
  for (const item of state.items) {
    const existing = items.find((row) => row.id === item.id);
    if (existing) {
      existing.plan = tx.getReference(Plan, item.planId);
      existing.quantity = item.quantity;
      existing.amount = item.amount;
      existing.metered = item.metered;
    } else {
      tx.create(SubscriptionItemRow, {
        id: item.id,
        subscription: row,
        plan: tx.getReference(Plan, item.planId),
        quantity: item.quantity,
        amount: item.amount,
        metered: item.metered,
      });
    }
  }
}

/**
 * One transition, recorded in one transaction: invoices it closes, coupons it redeems or removes, pending items it
 * leaves for the next invoice, the read model, its domain events and its emails (outbox rows the relay sends). Each
 * part is idempotent by its key, so the whole commit may run again after a failure. A rule the database enforces
 * (a coupon used up, an invoice no longer open) refuses the command: nothing is written and the workflow keeps its
 * state.
 */
export function createCommitActivity({ orm, client }: { orm: Orm; client?: Client }) {
  return async function commitTransition(request: CommitRequest): Promise<OperatorView> {
    // The view below reads what the transaction loaded (the customer, the seller) from this context's identity map.
    const em = orm.em.fork();
    const eventIds = await classified(() =>
      em.transactional(async (tx) => {
        const { state, at } = request;
        for (const action of request.invoiceActions) {
          if (action.action === 'void_open') {
            const invoice = await tx.findOne(Invoice, action.invoiceId, { refresh: true });
            if (!invoice || invoice.subscription?.id !== state.subscriptionId) {
              throw refused(
                `Invoice ${action.invoiceId} is not an invoice of this subscription`,
                CommandRejection.invalidState,
              );
            }
            if (invoice.status === 'void') continue;
            if (invoice.status !== 'open') {
              throw refused(
                `Invoice ${invoice.id} is ${invoice.status}; only an open invoice can be voided`,
                CommandRejection.invalidState,
              );
            }
          }
          await closeInvoice(
            tx,
            action.invoiceId,
            action.action === 'uncollectible' ? 'uncollectible' : 'void',
            new Date(at),
          );
        }
        for (const coupon of request.redeemCoupons) {
          const removed = await tx.findOne(Discount, {
            subscription: state.subscriptionId,
            coupon: coupon.couponId,
            endPeriodIndex: { $ne: null },
          });
          if (removed) {
            throw refused(
              'This coupon was removed from the subscription and cannot be applied again',
              CommandRejection.invalidState,
            );
          }
          try {
            await redeemCoupon(tx, {
              subscriptionId: state.subscriptionId,
              couponId: coupon.couponId,
              planId: state.items.find((item) => !item.addOn)?.planId ?? state.items[0]?.planId ?? '',
              currency: state.currency,
              at,
              startPeriodIndex: coupon.startPeriodIndex,
            });
          } catch (error) {
            if (isDomainError(error) || (isStoreError(error) && error.code === 'not_found')) {
              throw refused(error.message, CommandRejection.invalidArgument);
            }
            throw error;
          }
        }
        for (const couponId of request.removeCoupons) {
          const discount = await tx.findOne(Discount, {
            subscription: state.subscriptionId,
            coupon: couponId,
          });
          if (!discount) continue;
          // The current period is invoiced already: the discount ends with it (or never starts).
          const end = state.periodIndex + 1;
          if (discount.startPeriodIndex >= end) tx.remove(discount);
          else discount.endPeriodIndex = Math.min(discount.endPeriodIndex ?? end, end);
        }
        for (const item of request.pendingItems) {
          await createInvoiceItem(tx, {
            customerId: state.customerId,
            subscriptionId: state.subscriptionId,
            currency: state.currency,
            amount: item.amount,
            description: item.description,
            kind: item.kind,
            idempotencyKey: item.key,
            ...(item.periodStart ? { periodStart: item.periodStart } : {}),
            ...(item.periodEnd ? { periodEnd: item.periodEnd } : {}),
          });
        }
        if (request.unusedCredit) await creditUnusedTime(tx, request.unusedCredit);
        await project(tx, state);
        const snapshot = subscriptionSnapshot(state, request.previous, await revenueFacts(tx, state));
        const ids: string[] = [];
        for (const event of request.events) {
          const { event: row } = await appendDomainEvent(tx, {
            key: event.key,
            type: event.type,
            subscriptionId: state.subscriptionId,
            customerId: state.customerId,
            data: { ...event.data, subscription: snapshot },
            occurredAt: at,
          });
          ids.push(row.id);
        }
        const [first] = request.events;
        if (first) {
          // One movement per transition, keyed by its first event: the analytics rebuild derives the same one.
          await recordMrrChange(tx, {
            subscriptionId: state.subscriptionId,
            customerId: state.customerId,
            currency: state.currency,
            before: 0,
            after: mrrOf(snapshot),
            at,
            eventKey: first.key,
            testMode: snapshot.test_mode,
            ...trialTransition(request.previous?.status ?? null, state.status),
          });
        }
        for (const [index, email] of request.emails.entries()) {
          const recipient = await recipientOf(tx, state, email);
          if (!recipient) continue;
          await queueEmail(tx, {
            cause: email.cause,
            kind: email.kind,
            recipient,
            subscriptionId: state.subscriptionId,
            payload: { ...email, state, at },
            // The relay sends in this order: a transition's emails as the workflow listed them.
            createdAt: new Date(Date.now() + index),
          });
        }
        await tx.flush();
        return ids;
      }),
    );
    // After the commit, so a delivery never announces what was rolled back; safe to repeat on a retried commit.
    // The deliveries and the view read independently (the dispatch in a context of its own): one round trip.
    const [view] = await Promise.all([
      operatorView(em, request.state),
      client && eventIds.length > 0
        ? dispatchWebhooks({ orm, client, taskQueue: Context.current().info.taskQueue }, eventIds)
        : 0,
    ]);
    return view;
  };
}
