import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { LifecycleInput as CurrentLifecycleInput } from '../input';
import { migrateToCurrentInput } from './migrate';
import type {
  ChangeInvoice,
  DunningDecision,
  LegacyLifecycleActivities as LifecycleActivities,
  NotificationRequest,
} from '../../../activities/legacy.contract';
import { email, externalCharge, fastDbWrite, pureComputation } from '../../activity-options';
import { NextBillingAtKey, PlanIdKey, SubscriptionStatusKey } from '../../search-attributes';
import { type ClockState, createClock } from '../clock';
import {
  applyCouponUpdate,
  cancelScheduledChangeUpdate,
  cancelUpdate,
  changeUpdate,
  CommandRejection,
  getSubscriptionQuery,
  pauseUpdate,
  payInvoiceUpdate,
  paymentDisputedSignal,
  paymentFailedSignal,
  paymentRefundedSignal,
  paymentSucceededSignal,
  reactivateUpdate,
  resumeUpdate,
  type SubscriptionSnapshot,
  testClockAdvancedSignal,
  updatePaymentMethodUpdate,
  upgradeSchemaUpdate,
  voidInvoiceUpdate,
} from './messages-v1';
import {
  isDue,
  isFinal,
  type Moment,
  nextMoment,
  periodAmount,
  periodChargeDescription,
  type PeriodPlan,
  type SubscriptionState,
} from './state-v1';

const calendar = proxyActivities<LifecycleActivities>(pureComputation);
const records = proxyActivities<LifecycleActivities>(fastDbWrite);
const payments = proxyActivities<LifecycleActivities>(externalCharge);
const mail = proxyActivities<LifecycleActivities>(email);

export interface LegacyLifecycleInput {
  state: SubscriptionState;
  clock: ClockState;
  /** False on the very first run: the subscription's opening (first invoice or trial) is still to happen. */
  opened: boolean;
  /** Events appended by earlier runs, so event keys stay unique across continue-as-new. */
  eventSeq: number;
}

const INCOMPLETE_EXPIRY_MS = 23 * 60 * 60 * 1000;

const reject = (message: string, type: string = CommandRejection.invalidState): never => {
  throw ApplicationFailure.nonRetryable(message, type);
};

/**
 * One subscription from trial to the end. Each run covers one billing period and continues as new when the next
 * one begins; it sleeps until its next moment (see `nextMoment`) and wakes early for commands.
 */
export async function runLegacyLifecycle(input: LegacyLifecycleInput): Promise<SubscriptionSnapshot> {
  const state: SubscriptionState = { ...input.state };
  const clock = createClock(input.clock);
  let eventSeq = input.eventSeq;
  let busy = false;
  let changed = false;
  let periodRolled = false;
  /** Asked for by the API before a command of the item model: this run hands over to schema version 2 at once. */
  let upgradeRequested = false;

  const nowIso = (): string => new Date(clock.now()).toISOString();
  const snapshot = (): SubscriptionSnapshot => {
    const next = nextMoment(state);
    return {
      state: { ...state },
      next,
      clockTime: nowIso(),
      caughtUp: !busy && !periodRolled && !(next && isDue(next, clock.now())),
    };
  };

  /** Commands and timed moments never interleave: each runs to completion before the next starts. */
  async function exclusive<T>(work: () => Promise<T>): Promise<T> {
    // Several waiters can wake in the same activation; each re-checks before taking the turn.
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
      changed = true;
    }
  }

  async function transition(type: string, data: Record<string, unknown> = {}): Promise<void> {
    const nextBilling = state.status === 'trialing' ? state.trialEnd : state.period.end;
    upsertSearchAttributes([
      { key: SubscriptionStatusKey, value: state.status },
      { key: PlanIdKey, value: state.plan.planId },
      {
        key: NextBillingAtKey,
        value:
          isFinal(state.status) || state.status === 'paused' || !nextBilling ? null : new Date(nextBilling),
      },
    ]);
    const next = nextMoment(state);
    setCurrentDetails(
      `**${state.status}** · plan ${state.plan.planId} × ${state.quantity} · period ${state.periodIndex} ` +
        `(${state.period.start} → ${state.period.end})` +
        (next ? ` · next: ${next.kind} at ${next.at}` : '') +
        (state.cancelAtPeriodEnd ? ' · cancels at period end' : ''),
    );
    eventSeq += 1;
    await records.projectSubscription({ state: { ...state } });
    await records.recordEvent({
      subscriptionId: state.subscriptionId,
      type,
      eventKey: `${state.subscriptionId}:${eventSeq}`,
      data: { status: state.status, periodIndex: state.periodIndex, at: nowIso(), ...data },
    });
  }

  type NotificationExtras = Omit<NotificationRequest, 'kind' | 'cause' | 'state'>;
  const notify = (kind: NotificationRequest['kind'], cause: string, extras: NotificationExtras = {}) =>
    mail.notify({ kind, cause: `${state.subscriptionId}:${cause}`, state: { ...state }, ...extras });

  /** The paid, unused rest of the current period, refunded or credited once per cause. */
  const settleUnusedTime = (disposition: 'refund' | 'credit', cause: string) =>
    payments.settleUnusedPeriod({
      subscriptionId: state.subscriptionId,
      periodIndex: state.periodIndex,
      customerId: state.customerId,
      currency: state.currency,
      period: state.period,
      at: nowIso(),
      disposition,
      causeKey: `${state.subscriptionId}:${cause}`,
    });

  function beginPeriod(plan: PeriodPlan, periodIndex: number): void {
    state.periodIndex = periodIndex;
    state.period = plan.period;
    state.renewalReminderAt = plan.renewalReminderAt;
    state.renewalReminderSent = false;
  }

  async function planPeriodAt(periodIndex: number): Promise<PeriodPlan> {
    return calendar.planPeriod({
      anchor: state.anchor,
      interval: state.interval,
      index: periodIndex - state.anchorPeriodIndex,
      timeZone: state.timeZone,
    });
  }

  /** Invoices the current period and tries to collect it: the first attempt of a possible dunning episode. */
  async function invoiceAndCollect(): Promise<{ invoiceId: string; outcome: 'paid' | 'declined' }> {
    const invoice = await records.openPeriodInvoice({
      subscriptionId: state.subscriptionId,
      customerId: state.customerId,
      periodIndex: state.periodIndex,
      period: state.period,
      plan: state.plan,
      quantity: state.quantity,
      currency: state.currency,
    });
    return { invoiceId: invoice.invoiceId, outcome: await collect(invoice.invoiceId, 1) };
  }

  /** Settles the new period's invoice, or opens a dunning episode for it. */
  async function collectNewPeriod(): Promise<void> {
    const { invoiceId, outcome } = await invoiceAndCollect();
    if (state.dunning) {
      // An earlier invoice's episode is still open: it keeps its own retries; this one is recorded as is.
      await transition(outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', { invoiceId });
    } else if (outcome === 'paid') await settlePaid(invoiceId);
    else await enterDunning(invoiceId);
  }

  async function collect(invoiceId: string, attempt: number): Promise<'paid' | 'declined'> {
    const result = await payments.chargeInvoice({
      subscriptionId: state.subscriptionId,
      invoiceId,
      attempt,
      paymentMethodId: state.paymentMethodId,
    });
    if (result.outcome === 'paid') {
      await notify('receipt', `receipt:${invoiceId}`, { invoiceId });
      return 'paid';
    }
    return 'declined';
  }

  async function settlePaid(invoiceId: string): Promise<void> {
    const recovered = state.dunning !== null || state.status === 'incomplete';
    state.dunning = null;
    state.incompleteExpiresAt = null;
    state.status = 'active';
    await transition(recovered ? 'subscription.recovered' : 'invoice.paid', { invoiceId });
  }

  async function enterDunning(invoiceId: string): Promise<void> {
    state.status = 'past_due';
    state.dunning = { invoiceId, failedAttempts: 1, firstFailureAt: nowIso(), nextRetryAt: null };
    await applyDunningDecision(await planDunning());
  }

  function planDunning(): Promise<DunningDecision> {
    const dunning = state.dunning as NonNullable<SubscriptionState['dunning']>;
    // It reads the seller's dunning policy from PostgreSQL, so it retries through an outage like any database
    // activity; options are not part of the history, so replay is unaffected.
    return records.planDunningStep({
      failedAttempts: dunning.failedAttempts,
      firstFailureAt: dunning.firstFailureAt,
      timeZone: state.timeZone,
    });
  }

  async function applyDunningDecision(decision: DunningDecision): Promise<void> {
    const dunning = state.dunning as NonNullable<SubscriptionState['dunning']>;
    if (decision.type === 'retry') {
      dunning.nextRetryAt = decision.retryAt;
      await transition('invoice.payment_failed', {
        invoiceId: dunning.invoiceId,
        attempt: dunning.failedAttempts,
      });
      await notify(decision.notice, `${decision.notice}:${dunning.invoiceId}:${dunning.failedAttempts}`, {
        invoiceId: dunning.invoiceId,
      });
      return;
    }
    await records.markInvoiceUncollectible({ invoiceId: dunning.invoiceId });
    state.dunning = null;
    if (decision.action === 'cancel') {
      state.status = 'canceled';
      state.canceledAt = nowIso();
      state.cancelReason = 'payment_failed';
      await transition('subscription.canceled', { reason: 'dunning_exhausted' });
      await notify('canceled', 'canceled');
    } else if (decision.action === 'unpaid') {
      state.status = 'unpaid';
      await transition('subscription.unpaid', { reason: 'dunning_exhausted' });
    } else {
      state.status = 'paused';
      state.pause = { since: nowIso(), resumesAt: null };
      await transition('subscription.paused', { reason: 'dunning_exhausted' });
      await notify('paused', `paused:${state.periodIndex}`);
    }
  }

  async function retryPayment(): Promise<void> {
    const dunning = state.dunning;
    if (!dunning) return;
    const outcome = await collect(dunning.invoiceId, dunning.failedAttempts + 1);
    if (outcome === 'paid') {
      await settlePaid(dunning.invoiceId);
      return;
    }
    dunning.failedAttempts += 1;
    dunning.nextRetryAt = null;
    await applyDunningDecision(await planDunning());
  }

  /** First run without trial: the first invoice is due at once; a decline leaves the subscription incomplete. */
  async function open(): Promise<void> {
    await notify('welcome', 'welcome');
    if (state.status === 'trialing') {
      await transition('subscription.created', { trialEnd: state.trialEnd });
      return;
    }
    await transition('subscription.created');
    const { invoiceId, outcome } = await invoiceAndCollect();
    if (outcome === 'paid') {
      await settlePaid(invoiceId);
      return;
    }
    state.status = 'incomplete';
    state.dunning = { invoiceId, failedAttempts: 1, firstFailureAt: nowIso(), nextRetryAt: null };
    state.incompleteExpiresAt = new Date(clock.now() + INCOMPLETE_EXPIRY_MS).toISOString();
    await transition('subscription.incomplete', { invoiceId });
    // Added after the first histories were recorded: those replay without the email.
    if (patched('incomplete-payment-failed-email'))
      await notify('payment_failed', `payment_failed:${invoiceId}:1`, { invoiceId });
  }

  async function endTrial(): Promise<void> {
    if (!state.paymentMethodId) {
      if (state.trialEndWithoutPaymentMethod === 'cancel') {
        state.status = 'canceled';
        state.canceledAt = nowIso();
        state.cancelReason = 'trial_ended_without_payment_method';
        await transition('subscription.canceled', { reason: state.cancelReason });
        await notify('canceled', 'canceled');
      } else {
        state.status = 'paused';
        state.pause = { since: nowIso(), resumesAt: null };
        await transition('subscription.paused', { reason: 'trial_ended_without_payment_method' });
        await notify('paused', `paused:${state.periodIndex}`);
      }
      return;
    }
    // The first paid period starts when the trial ends, and later periods count from there.
    state.anchor = state.trialEnd as string;
    state.anchorPeriodIndex = state.periodIndex + 1;
    beginPeriod(await planPeriodAt(state.periodIndex + 1), state.periodIndex + 1);
    state.trialEnd = null;
    state.status = 'active';
    await collectNewPeriod();
    periodRolled = true;
  }

  async function endPeriod(): Promise<void> {
    if (state.cancelAtPeriodEnd) {
      state.status = 'canceled';
      state.canceledAt = state.period.end;
      await transition('subscription.canceled', { reason: state.cancelReason, atPeriodEnd: true });
      await notify('canceled', 'canceled');
      return;
    }
    if (state.pauseAtPeriodEnd) {
      state.status = 'paused';
      state.pause = { since: state.period.end, resumesAt: state.pauseAtPeriodEnd.resumesAt };
      state.pauseAtPeriodEnd = null;
      await transition('subscription.paused', { atPeriodEnd: true });
      await notify('paused', `paused:${state.periodIndex}`);
      return;
    }
    if (state.scheduledChange) {
      const previousPlanId = state.plan.planId;
      state.plan = state.scheduledChange.plan;
      state.quantity = state.scheduledChange.quantity;
      state.scheduledChange = null;
      await transition('subscription.plan_changed', { planId: state.plan.planId, quantity: state.quantity });
      await notify('plan_changed', `plan_changed:${state.periodIndex + 1}`, { previousPlanId });
    }
    beginPeriod(await planPeriodAt(state.periodIndex + 1), state.periodIndex + 1);
    state.renewals += 1;
    await collectNewPeriod();
    periodRolled = true;
  }

  async function resumeNow(): Promise<void> {
    // On resume a new period starts: the anchor moves to the resume instant.
    state.anchor = nowIso();
    state.anchorPeriodIndex = state.periodIndex + 1;
    state.pause = null;
    beginPeriod(await planPeriodAt(state.periodIndex + 1), state.periodIndex + 1);
    state.status = 'active';
    await notify('resumed', `resumed:${state.periodIndex}`);
    await collectNewPeriod();
    periodRolled = true;
  }

  async function handleMoment(moment: Moment): Promise<void> {
    switch (moment.kind) {
      case 'trial_reminder':
        state.trialReminderSent = true;
        await notify('trial_ending', 'trial_ending');
        return;
      case 'renewal_reminder':
        state.renewalReminderSent = true;
        await notify('upcoming_renewal', `upcoming_renewal:${state.periodIndex}`);
        return;
      case 'trial_end':
        return endTrial();
      case 'period_end':
        return endPeriod();
      case 'dunning_retry':
        return retryPayment();
      case 'incomplete_expiry':
        if (state.dunning) await records.voidInvoice({ invoiceId: state.dunning.invoiceId });
        state.status = 'incomplete_expired';
        state.dunning = null;
        state.incompleteExpiresAt = null;
        await transition('subscription.incomplete_expired');
        return;
      case 'resume':
        return resumeNow();
    }
  }

  setHandler(getSubscriptionQuery, snapshot);

  // Added with the item model (no stored history contains it): the API asks a version 1 run to continue as version 2
  // before sending a command of the new shapes.
  setHandler(upgradeSchemaUpdate, () =>
    exclusive(async () => {
      upgradeRequested = true;
      return snapshot();
    }),
  );

  setHandler(
    cancelUpdate,
    (command) =>
      exclusive(async () => {
        if (command.at === 'period_end') {
          state.cancelAtPeriodEnd = true;
          state.cancelReason = command.reason ?? null;
          await transition('subscription.cancel_scheduled', { reason: state.cancelReason });
          return snapshot();
        }
        const paidPeriod = state.status === 'active' && state.dunning === null;
        if (paidPeriod && command.unused && command.unused !== 'none') {
          await settleUnusedTime(command.unused, 'cancel');
        }
        state.status = 'canceled';
        state.canceledAt = nowIso();
        state.cancelReason = command.reason ?? null;
        state.cancelAtPeriodEnd = false;
        await transition('subscription.canceled', {
          reason: state.cancelReason,
          unused: command.unused ?? 'none',
        });
        await notify('canceled', 'canceled');
        return snapshot();
      }),
    {
      validator: (command) => {
        if (isFinal(state.status)) reject(`Subscription is already ${state.status}`);
        if (command.at === 'period_end') {
          if (state.cancelAtPeriodEnd) reject('Subscription is already set to cancel at period end');
          if (!['trialing', 'active', 'past_due'].includes(state.status)) {
            reject(`A ${state.status} subscription can only be canceled immediately`);
          }
        }
      },
    },
  );

  setHandler(
    reactivateUpdate,
    () =>
      exclusive(async () => {
        state.cancelAtPeriodEnd = false;
        state.cancelReason = null;
        await transition('subscription.cancel_undone');
        return snapshot();
      }),
    {
      validator: () => {
        if (!state.cancelAtPeriodEnd || isFinal(state.status))
          reject('Subscription has no scheduled cancellation');
      },
    },
  );

  setHandler(
    pauseUpdate,
    (command) =>
      exclusive(async () => {
        if (command.at === 'period_end') {
          state.pauseAtPeriodEnd = { resumesAt: command.resumesAt ?? null };
          await transition('subscription.pause_scheduled', { resumesAt: command.resumesAt ?? null });
          return snapshot();
        }
        if (state.status === 'active') {
          // Pausing immediately credits the unused part of the paid period to the customer's balance.
          await settleUnusedTime('credit', `pause:${state.periodIndex}`);
        }
        state.status = 'paused';
        state.pause = { since: nowIso(), resumesAt: command.resumesAt ?? null };
        state.trialEnd = null;
        await transition('subscription.paused', { resumesAt: command.resumesAt ?? null });
        await notify('paused', `paused:${state.periodIndex}`);
        return snapshot();
      }),
    {
      validator: (command) => {
        if (state.status === 'paused') reject('Subscription is already paused');
        if (!['trialing', 'active'].includes(state.status))
          reject(`A ${state.status} subscription cannot be paused`);
        if (command.at === 'period_end' && state.status !== 'active')
          reject('Only an active subscription pauses at period end');
        if (command.at === 'period_end' && state.pauseAtPeriodEnd) reject('A pause is already scheduled');
        if (command.resumesAt != null && !(Date.parse(command.resumesAt) > clock.now())) {
          reject('resumes_at must be a future instant', CommandRejection.invalidArgument);
        }
      },
    },
  );

  setHandler(
    resumeUpdate,
    () =>
      exclusive(async () => {
        await resumeNow();
        return snapshot();
      }),
    {
      validator: () => {
        if (state.status !== 'paused')
          reject(`Only a paused subscription can be resumed; it is ${state.status}`);
      },
    },
  );

  setHandler(
    changeUpdate,
    (command) =>
      exclusive(async () => {
        const next = {
          plan: { planId: command.plan.planId, unitAmount: command.plan.unitAmount },
          quantity: command.quantity,
        };
        if (command.timing === 'period_end') {
          state.scheduledChange = next;
          await transition('subscription.change_scheduled', {
            planId: next.plan.planId,
            quantity: next.quantity,
          });
          return { ...snapshot(), invoice: null };
        }
        const before = { plan: state.plan, quantity: state.quantity };
        let invoice: ChangeInvoice | null = null;
        if (state.status === 'active') {
          // Charged at once (PRODUCT.md: upgrades are invoiced immediately); a net credit goes to the balance.
          invoice = await payments.invoiceChange({
            subscriptionId: state.subscriptionId,
            customerId: state.customerId,
            currency: state.currency,
            changeKey: `${state.subscriptionId}:change:${eventSeq}`,
            planId: next.plan.planId,
            period: state.period,
            at: nowIso(),
            current: { description: periodChargeDescription(before), amount: periodAmount(before) },
            next: { description: periodChargeDescription(next), amount: periodAmount(next) },
          });
          if (invoice && invoice.amountDue > 0 && (await collect(invoice.invoiceId, 1)) === 'declined') {
            await enterDunning(invoice.invoiceId);
          }
        }
        state.plan = next.plan;
        state.quantity = next.quantity;
        state.scheduledChange = null;
        await transition('subscription.plan_changed', { planId: next.plan.planId, quantity: next.quantity });
        await notify('plan_changed', `plan_changed:${state.periodIndex}:${eventSeq}`, {
          previousPlanId: before.plan.planId,
        });
        return { ...snapshot(), invoice };
      }),
    {
      validator: (command) => {
        if (isFinal(state.status)) reject(`Subscription is ${state.status}; it cannot change plan`);
        if (!['trialing', 'active', 'past_due'].includes(state.status)) {
          reject(`A ${state.status} subscription cannot change plan`);
        }
        if (command.plan.currency !== state.currency) {
          reject(
            `Plan ${command.plan.planId} has no price in ${state.currency}, the subscription's currency`,
            CommandRejection.invalidArgument,
          );
        }
        if (!Number.isSafeInteger(command.quantity) || command.quantity < 1) {
          reject('quantity must be a positive integer', CommandRejection.invalidArgument);
        }
        if (command.timing === 'immediately' && state.status === 'past_due') {
          reject('Settle the past-due invoice before changing plan immediately');
        }
      },
    },
  );

  setHandler(
    applyCouponUpdate,
    (command) =>
      exclusive(async () => {
        // The current period is invoiced already; the discount starts with the next invoice.
        const outcome = await records.redeemCoupon({
          subscriptionId: state.subscriptionId,
          couponId: command.couponId,
          planId: state.plan.planId,
          currency: state.currency,
          at: nowIso(),
          startPeriodIndex: state.periodIndex + 1,
        });
        if (!outcome.redeemed) reject(outcome.reason, CommandRejection.invalidArgument);
        state.couponIds = [...(state.couponIds ?? []), command.couponId];
        await transition('subscription.coupon_applied', { couponId: command.couponId });
        return snapshot();
      }),
    {
      validator: (command) => {
        if (isFinal(state.status)) reject(`Subscription is ${state.status}`);
        if (!command.couponId) reject('coupon is required', CommandRejection.invalidArgument);
        if (state.couponIds?.includes(command.couponId)) reject('This coupon is already applied');
      },
    },
  );

  setHandler(
    cancelScheduledChangeUpdate,
    () =>
      exclusive(async () => {
        state.scheduledChange = null;
        await transition('subscription.change_unscheduled');
        return snapshot();
      }),
    {
      validator: () => {
        if (!state.scheduledChange) reject('Subscription has no scheduled change');
      },
    },
  );

  setHandler(
    updatePaymentMethodUpdate,
    (command) =>
      exclusive(async () => {
        state.paymentMethodId = command.paymentMethodId;
        await transition('subscription.payment_method_updated', { paymentMethodId: command.paymentMethodId });
        // A new payment method retries an unpaid invoice at once.
        if (state.dunning && (state.status === 'past_due' || state.status === 'incomplete'))
          await retryPayment();
        return snapshot();
      }),
    {
      validator: (command) => {
        if (isFinal(state.status)) reject(`Subscription is ${state.status}`);
        if (!command.paymentMethodId)
          reject('payment_method_id is required', CommandRejection.invalidArgument);
      },
    },
  );

  setHandler(
    voidInvoiceUpdate,
    (command) =>
      exclusive(async () => {
        const outcome = await records.voidOpenInvoice({
          invoiceId: command.invoiceId,
          subscriptionId: state.subscriptionId,
        });
        if (!outcome.voided) reject(outcome.reason);
        if (state.dunning?.invoiceId !== command.invoiceId) {
          await transition('invoice.voided', { invoiceId: command.invoiceId });
          return snapshot();
        }
        state.dunning = null;
        if (state.status === 'incomplete') {
          // Without its first invoice the subscription never started: it ends as an expired incomplete one does.
          state.status = 'incomplete_expired';
          state.incompleteExpiresAt = null;
          await transition('subscription.incomplete_expired', {
            invoiceId: command.invoiceId,
            reason: 'invoice_voided',
          });
          return snapshot();
        }
        // Nothing is owed any more, so the dunning episode is over and the subscription is in good standing.
        state.status = 'active';
        await transition('invoice.voided', { invoiceId: command.invoiceId, dunningEnded: true });
        return snapshot();
      }),
    {
      validator: (command) => {
        if (!command.invoiceId) reject('invoice_id is required', CommandRejection.invalidArgument);
        if (isFinal(state.status)) reject(`Subscription is ${state.status}`);
      },
    },
  );

  setHandler(
    payInvoiceUpdate,
    (command) =>
      exclusive(async () => {
        // The same path a new payment method takes: a success settles the episode, a decline counts as a failure.
        if (state.dunning?.invoiceId === command.invoiceId) await retryPayment();
        return snapshot();
      }),
    {
      validator: (command) => {
        if (!command.invoiceId) reject('invoice_id is required', CommandRejection.invalidArgument);
        if (state.dunning?.invoiceId !== command.invoiceId) {
          reject(
            `Invoice ${command.invoiceId} is not being collected by subscription ${state.subscriptionId}`,
          );
        }
        if (state.status !== 'past_due' && state.status !== 'incomplete') {
          reject(`A ${state.status} subscription retries no payment`);
        }
      },
    },
  );

  setHandler(paymentSucceededSignal, async (fact) => {
    // Money that arrived outside our own attempts (e.g. a delayed settlement) settles the dunning episode.
    if (state.dunning?.invoiceId === fact.invoiceId) await exclusive(() => settlePaid(fact.invoiceId));
  });
  setHandler(paymentFailedSignal, async (fact) => {
    // Charges are answered synchronously, so the gateway's failure notice confirms an outcome the workflow already
    // acted on; it is kept in the audit log.
    await exclusive(() =>
      transition('charge.failed', {
        invoiceId: fact.invoiceId,
        chargeId: fact.chargeId,
        declineCode: fact.declineCode,
      }),
    );
  });
  setHandler(paymentRefundedSignal, async (fact) => {
    await exclusive(() =>
      transition('charge.refunded', { invoiceId: fact.invoiceId, chargeId: fact.chargeId }),
    );
  });
  setHandler(paymentDisputedSignal, async (fact) => {
    await exclusive(() =>
      transition('charge.disputed', { invoiceId: fact.invoiceId, chargeId: fact.chargeId }),
    );
  });
  setHandler(testClockAdvancedSignal, ({ frozenTime }) => {
    clock.advanceTo(Date.parse(frozenTime));
    changed = true;
  });

  if (!input.opened) await exclusive(open);

  while (!isFinal(state.status) && !periodRolled && !upgradeRequested) {
    const moment = nextMoment(state);
    if (moment && isDue(moment, clock.now())) {
      await exclusive(() => handleMoment(moment));
      continue;
    }
    changed = false;
    await clock.waitUntil(moment ? Date.parse(moment.at) : null, () => changed);
  }

  await condition(() => allHandlersFinished() && !busy);
  if ((periodRolled || upgradeRequested) && !isFinal(state.status)) {
    // Runs that continued as new before the item model carry no marker here and replay the version 1 hand-over.
    if (patched('subscription-items-v2')) {
      return continueAsNew<(input: CurrentLifecycleInput) => Promise<unknown>>(
        migrateToCurrentInput({ state, clock: clock.toJSON(), eventSeq }),
      );
    }
    return continueAsNew<(input: LegacyLifecycleInput) => Promise<unknown>>({
      state,
      clock: clock.toJSON(),
      opened: true,
      eventSeq,
    });
  }
  return snapshot();
}
