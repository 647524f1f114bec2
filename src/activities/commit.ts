import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { Customer, Discount, Invoice, SellerSettings } from '../db/entities';
import { sqlRows } from '../db/direct-read';
import { StoreError } from '../db/services/errors';
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
import { couponsForPeriod } from '../db/services/coupons';
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
  // The statement below goes around the ORM: what this transaction redeemed or removed must be written first.
  await tx.flush();
  const discounts: SnapshotDiscount[] = (
    await couponsForPeriod(tx, state.subscriptionId, state.periodIndex)
  ).map((coupon) => {
    const recurring = coupon.duration.type !== 'once';
    return coupon.discount.type === 'percent'
      ? { coupon_id: coupon.id, type: 'percent', basis_points: coupon.discount.basisPoints, recurring }
      : { coupon_id: coupon.id, type: 'amount', amount: coupon.discount.amount.amount, recurring };
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

/**
 * The read model becomes exactly the committed state, the subscription row and its items, in one statement: the
 * ORM's load, change set and update cost a transition more CPU than the statement does.
 */
const PROJECT_SQL = `
with projected as (
  update subscriptions set
    status = $2, plan_id = coalesce($3, plan_id), quantity = coalesce($4, quantity), billing_anchor = $5,
    current_period_index = $6, current_period_start = $7, current_period_end = $8, trial_end = $9,
    cancel_at_period_end = $10, canceled_at = $11, cancellation_reason = $12, ended_at = $13, paused_at = $14,
    pause_at_period_end = $15, resume_at = $16, attention_code = $17, next_action_at = $18, state = $19::jsonb,
    updated_at = now(), version = version + 1
  where id = $1
  returning id
), items as (
  select * from jsonb_to_recordset($20::jsonb) as item(id text, plan_id text, quantity integer, amount bigint, metered boolean)
), removed as (
  delete from subscription_items
  where subscription_id = (select id from projected) and id not in (select id from items)
), upserted as (
  insert into subscription_items (id, subscription_id, plan_id, quantity, amount, metered)
  select item.id, projected.id, item.plan_id, item.quantity, item.amount, item.metered from items item, projected
  on conflict (id) do update
    set plan_id = excluded.plan_id, quantity = excluded.quantity, amount = excluded.amount,
      metered = excluded.metered, updated_at = now()
    where subscription_items.subscription_id = excluded.subscription_id
      and (subscription_items.plan_id, subscription_items.quantity, subscription_items.amount,
        subscription_items.metered)
      is distinct from (excluded.plan_id, excluded.quantity, excluded.amount, excluded.metered)
)
select id from projected`;

async function project(tx: EntityManager, state: SubscriptionState): Promise<void> {
  const base = state.items.find((item) => !item.metered && !item.addOn) ?? state.items[0];
  const date = (iso: string | null | undefined) => (iso ? new Date(iso) : null);
  const ended = state.status === 'incomplete_expired' || state.status === 'canceled';
  const nextMoney = nextMoneyMoment(state);
  const rows = await sqlRows(tx, PROJECT_SQL, [
    state.subscriptionId,
    state.status === 'incomplete_expired' ? 'ended' : state.status,
    base?.planId ?? null,
    base?.quantity ?? null,
    new Date(state.anchor),
    state.periodIndex,
    new Date(state.period.start),
    new Date(state.period.end),
    date(state.trialEnd),
    state.cancelAtPeriodEnd,
    date(state.canceledAt),
    state.cancelReason,
    ended ? new Date(state.canceledAt ?? state.period.start) : null,
    state.status === 'paused' && state.pause ? new Date(state.pause.since) : null,
    state.pauseAtPeriodEnd !== null,
    date(state.pause?.resumesAt),
    state.attention?.code ?? null,
    date(nextMoney),
    JSON.stringify(state),
    JSON.stringify(
      state.items.map((item) => ({
        id: item.id,
        plan_id: item.planId,
        quantity: item.quantity,
        amount: item.amount,
        metered: item.metered,
      })),
    ),
  ]);
  if (rows.length === 0) throw new StoreError('not_found', `Subscription ${state.subscriptionId} not found`);
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
