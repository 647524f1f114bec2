import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type {
  BillPeriodResult,
  ChargeOutcome,
  ChangeInvoice,
  DunningDecision,
  EmailDraft,
  EventDraft,
  InvoiceAction,
  LifecycleActivities,
  OperatorView,
  PendingItemDraft,
  UnusedPeriodRequest,
} from '../../activities/lifecycle.contract';
import { externalCharge, localCalendar, localDbWrite } from '../activity-options';
import type { Clock } from './clock';
import type { LifecycleInput } from './input';
import type {
  CancelCommand,
  ChangeCommand,
  ChangeResult,
  CouponCommand,
  DisputeFact,
  InvoiceCommand,
  PauseCommand,
  PayResult,
  PaymentFact,
  SubscriptionSnapshot,
} from './messages';
import { collectibleInvoiceId, isRefusal, resolveChange } from './rules';
import {
  type Attention,
  isDue,
  isFinal,
  type Moment,
  nextMoment,
  type PeriodPlan,
  type SubscriptionItem,
  type SubscriptionState,
} from './state';

const billing = proxyActivities<LifecycleActivities>(externalCharge);
const records = proxyLocalActivities<LifecycleActivities>(localDbWrite);
const calendar = proxyLocalActivities<LifecycleActivities>(localCalendar);

const INCOMPLETE_EXPIRY_MS = 23 * 60 * 60 * 1000;

/** What one transition records besides the new state, all in the same transaction. */
interface Effects {
  events: { type: string; data?: Record<string, unknown> }[];
  emails: EmailDraft[];
  invoiceActions: InvoiceAction[];
  redeemCoupons: { couponId: string; startPeriodIndex: number }[];
  removeCoupons: string[];
  pendingItems: PendingItemDraft[];
  unusedCredit: UnusedPeriodRequest | null;
}

const noEffects = (): Effects => ({
  events: [],
  emails: [],
  invoiceActions: [],
  redeemCoupons: [],
  removeCoupons: [],
  pendingItems: [],
  unusedCredit: null,
});

/** Patch: a pause credits the unused time inside its commit instead of an activity before it. */
const PAUSE_CREDIT_IN_COMMIT = 'pause-credit-in-commit';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A failure an activity raised on purpose, or one it gave up retrying: either way no retry of ours will help. */
export function activityGaveUp(error: unknown): error is ActivityFailure {
  return error instanceof ActivityFailure;
}

/** The code and a message without customer text or SQL, for the read model, the event and the operator. */
export function describeFailure(error: ActivityFailure): { code: string; message: string } {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    return { code: cause.type ?? 'activity_failed', message: cause.message };
  }
  return { code: 'activity_gave_up', message: `${error.activityType ?? 'activity'} gave up retrying` };
}

/**
 * The subscription as the workflow holds it, with every flow that moves it on (open, renew, retry, cancel, pause,
 * resume, change …), each written once. A flow works on a draft of the state; the draft becomes the state only after
 * the activities it needs have succeeded and the transition has been committed (read model, events, emails in one
 * transaction), so the live state and the read model cannot disagree.
 */
export class SubscriptionMachine {
  state: SubscriptionState;
  private eventSeq: number;
  opened: boolean;
  /** A new period began in this run: the run ends with continue-as-new once its handlers have finished. */
  periodRolled = false;
  /**
   * While a timed moment is handled, its own instant is the time recorded: a test clock moved past several moments
   * at once still dates each renewal, charge and event when it fell due.
   */
  private momentAt: string | null = null;

  constructor(
    input: LifecycleInput,
    private readonly clock: Clock,
    private readonly onCommitted: (state: SubscriptionState, view: OperatorView | null) => void,
  ) {
    this.state = clone(input.state);
    this.eventSeq = input.eventSeq;
    this.opened = input.opened;
  }

  get nextEventSeq(): number {
    return this.eventSeq;
  }

  nowIso(): string {
    return this.momentAt ?? new Date(this.clock.now()).toISOString();
  }

  snapshot(busy: boolean): SubscriptionSnapshot {
    const next = nextMoment(this.state);
    return {
      state: clone(this.state),
      next,
      clockTime: new Date(this.clock.now()).toISOString(),
      caughtUp: !busy && this.opened && !this.periodRolled && !(next && isDue(next, this.clock.now())),
    };
  }

  /** True when a timed moment is due and this run may still handle it. */
  hasDueMoment(): boolean {
    if (this.periodRolled || !this.opened || isFinal(this.state.status)) return false;
    const moment = nextMoment(this.state);
    return moment !== null && isDue(moment, this.clock.now());
  }

  private dunningContext(failedAttempts: number, firstFailureAt: string = this.nowIso()) {
    return { failedAttempts, firstFailureAt, timeZone: this.state.timeZone };
  }

  /** Records the transition, then adopts the draft. */
  private async commit(next: SubscriptionState, effects: Effects): Promise<void> {
    let seq = this.eventSeq;
    const at = this.nowIso();
    const events: EventDraft[] = effects.events.map((event) => {
      seq += 1;
      return {
        key: `${next.subscriptionId}:${seq}`,
        type: event.type,
        data: { status: next.status, periodIndex: next.periodIndex, at, ...event.data },
      };
    });
    const view = await records.commitTransition.executeWithOptions(
      { summary: `record ${next.status}, period ${next.periodIndex}` },
      [
        {
          state: next,
          // Before its opening a subscription had no status yet (revenue figures count its trial start or its new MRR).
          previous: this.opened ? this.state : null,
          at,
          events,
          emails: effects.emails.map((email) => ({
            ...email,
            cause: `${next.subscriptionId}:${email.cause}`,
          })),
          invoiceActions: effects.invoiceActions,
          redeemCoupons: effects.redeemCoupons,
          removeCoupons: effects.removeCoupons,
          pendingItems: effects.pendingItems,
          ...(effects.unusedCredit ? { unusedCredit: effects.unusedCredit } : {}),
        },
      ],
    );
    this.state = next;
    this.eventSeq = seq;
    this.onCommitted(next, view);
  }

  // ── Money in ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Invoices (and charges) a new period of the draft: index, calendar from its anchor, usage since `usageFrom`. */
  private async billNewPeriod(
    next: SubscriptionState,
    options: {
      index: number;
      knownPeriod?: boolean;
      usageUntil: string | null;
      credit?: { items: SubscriptionItem[]; period: SubscriptionState['period'] } | null;
      requirePaymentMethod?: boolean;
    },
  ): Promise<BillPeriodResult> {
    const at = this.nowIso();
    const result = await billing.billPeriod.executeWithOptions(
      { summary: `invoice period ${next.periodIndex}` },
      [
        {
          subscriptionId: next.subscriptionId,
          customerId: next.customerId,
          currency: next.currency,
          timeZone: next.timeZone,
          items: next.items,
          periodIndex: options.index,
          period: options.knownPeriod ? next.period : null,
          calendar: {
            anchor: next.anchor,
            interval: next.interval,
            index: options.index - next.anchorPeriodIndex,
          },
          usageWindow:
            options.usageUntil && Date.parse(options.usageUntil) > Date.parse(next.usageFrom)
              ? { start: next.usageFrom, end: options.usageUntil }
              : null,
          credit: options.credit ? { ...options.credit, at } : null,
          licensed: true,
          requirePaymentMethod: options.requirePaymentMethod ?? false,
          paymentMethodId: next.paymentMethodId,
          at,
          dunning: this.dunningContext(1, at),
        },
      ],
    );
    if (result.billed) {
      this.beginPeriod(next, result.plan, options.index);
      if (options.usageUntil) next.usageFrom = options.usageUntil;
      settleSetupFees(next, result.setupFeesBilled);
    }
    return result;
  }

  private beginPeriod(next: SubscriptionState, plan: PeriodPlan, index: number): void {
    next.periodIndex = index;
    next.period = plan.period;
    next.renewalReminderAt = plan.renewalReminderAt;
    next.renewalReminderSent = false;
  }

  /** The usage since the last invoice on a final invoice of its own (a metered subscription ends). */
  private async billFinalUsage(next: SubscriptionState, until: string, fx: Effects): Promise<void> {
    if (!next.items.some((item) => item.metered)) return;
    if (!(Date.parse(until) > Date.parse(next.usageFrom))) return;
    const at = this.nowIso();
    const result = await billing.billPeriod.executeWithOptions({ summary: `invoice usage until ${until}` }, [
      {
        subscriptionId: next.subscriptionId,
        customerId: next.customerId,
        currency: next.currency,
        timeZone: next.timeZone,
        items: next.items,
        periodIndex: next.periodIndex + 1,
        period: { start: next.usageFrom, end: until },
        calendar: { anchor: next.anchor, interval: next.interval, index: 0 },
        usageWindow: { start: next.usageFrom, end: until },
        credit: null,
        licensed: false,
        requirePaymentMethod: false,
        paymentMethodId: next.paymentMethodId,
        at,
        dunning: this.dunningContext(1, at),
      },
    ]);
    next.usageFrom = until;
    if (!result.billed) return;
    const paid = !result.charge || result.charge.outcome === 'paid';
    fx.events.push({
      type: paid ? 'invoice.paid' : 'invoice.payment_failed',
      data: { invoiceId: result.invoice.invoiceId, final: true },
    });
    if (paid && result.invoice.total > 0)
      fx.emails.push({
        kind: 'receipt',
        cause: `receipt:${result.invoice.invoiceId}`,
        invoiceId: result.invoice.invoiceId,
      });
  }

  /** A new period's invoice was charged: settle it, or open (or record within) a dunning episode. */
  private settleNewInvoice(
    next: SubscriptionState,
    invoiceId: string,
    charge: ChargeOutcome | null,
    fx: Effects,
  ): void {
    const paid = !charge || charge.outcome === 'paid';
    if (next.dunning && next.dunning.invoiceId !== invoiceId) {
      // An earlier invoice's episode is still open: it keeps its own retries; this one is recorded as it is.
      fx.events.push({ type: paid ? 'invoice.paid' : 'invoice.payment_failed', data: { invoiceId } });
      if (paid) fx.emails.push({ kind: 'receipt', cause: `receipt:${invoiceId}`, invoiceId });
      return;
    }
    if (paid) this.markPaid(next, invoiceId, fx);
    else this.enterDunning(next, invoiceId, charge, 'declined', fx);
  }

  private markPaid(next: SubscriptionState, invoiceId: string, fx: Effects): void {
    const recovered = next.dunning !== null || next.status === 'incomplete';
    next.dunning = null;
    next.incompleteExpiresAt = null;
    next.status = 'active';
    fx.events.push({ type: recovered ? 'subscription.recovered' : 'invoice.paid', data: { invoiceId } });
    fx.emails.push({ kind: 'receipt', cause: `receipt:${invoiceId}`, invoiceId });
  }

  private enterDunning(
    next: SubscriptionState,
    invoiceId: string,
    declined: Extract<ChargeOutcome, { outcome: 'declined' }> | { dunning: DunningDecision; hard: false },
    cause: 'declined' | 'dispute_lost',
    fx: Effects,
  ): void {
    next.status = 'past_due';
    next.dunning = {
      invoiceId,
      failedAttempts: 1,
      firstFailureAt: this.nowIso(),
      nextRetryAt: null,
      hardDecline: 'declineCode' in declined && declined.hard ? declined.declineCode : null,
      cause,
    };
    this.applyDunningDecision(next, declined.dunning, fx);
  }

  private applyDunningDecision(next: SubscriptionState, decision: DunningDecision, fx: Effects): void {
    const dunning = next.dunning as NonNullable<SubscriptionState['dunning']>;
    if (decision.type === 'retry') {
      dunning.nextRetryAt = decision.retryAt;
      fx.events.push({
        type: 'invoice.payment_failed',
        data: {
          invoiceId: dunning.invoiceId,
          attempt: dunning.failedAttempts,
          nextRetryAt: decision.retryAt,
          hardDecline: dunning.hardDecline,
        },
      });
      fx.emails.push({
        kind: decision.notice,
        cause: `${decision.notice}:${dunning.invoiceId}:${dunning.failedAttempts}`,
        invoiceId: dunning.invoiceId,
        hardDecline: dunning.hardDecline !== null,
      });
      return;
    }
    fx.invoiceActions.push({ invoiceId: dunning.invoiceId, action: 'uncollectible' });
    const reason = { reason: 'dunning_exhausted', invoiceId: dunning.invoiceId };
    if (decision.action === 'cancel') {
      next.dunning = null;
      next.status = 'canceled';
      next.canceledAt = this.nowIso();
      next.cancelReason = 'payment_failed';
      fx.events.push({ type: 'subscription.canceled', data: reason });
      fx.emails.push({ kind: 'canceled', cause: 'canceled' });
    } else if (decision.action === 'unpaid') {
      // The episode's invoice stays named: paying it (or a new payment method) recovers the subscription.
      dunning.nextRetryAt = null;
      next.status = 'unpaid';
      fx.events.push({ type: 'subscription.unpaid', data: reason });
    } else {
      next.dunning = null;
      next.status = 'paused';
      next.pause = { since: this.nowIso(), resumesAt: null };
      fx.events.push({ type: 'subscription.paused', data: reason });
      fx.emails.push({ kind: 'paused', cause: `paused:${next.periodIndex}` });
    }
  }

  /**
   * Charges the invoice being collected now (a payment method update, `/pay`, a scheduled retry). Paid: the
   * episode ends (an `unpaid` subscription starts a new period from now). Declined: the episode counts the failure.
   */
  private async collectNow(next: SubscriptionState, fx: Effects): Promise<ChargeOutcome | null> {
    const invoiceId = collectibleInvoiceId(next);
    const dunning = next.dunning;
    if (!invoiceId || !dunning) return null;
    const attempt = dunning.failedAttempts + 1;
    const charge = await billing.collectInvoice.executeWithOptions(
      { summary: `charge ${invoiceId}, attempt ${attempt}` },
      [
        {
          subscriptionId: next.subscriptionId,
          invoiceId,
          attempt,
          paymentMethodId: next.paymentMethodId,
          at: this.nowIso(),
          dunning: this.dunningContext(attempt, dunning.firstFailureAt),
        },
      ],
    );
    if (!charge || charge.outcome === 'paid') {
      if (next.status === 'unpaid') {
        next.dunning = null;
        fx.events.push({ type: 'subscription.recovered', data: { invoiceId } });
        fx.emails.push({ kind: 'receipt', cause: `receipt:${invoiceId}`, invoiceId });
        // An unpaid subscription recovers into a new period that starts now (the anchor moves here).
        next.status = 'active';
        next.anchor = this.nowIso();
        next.anchorPeriodIndex = next.periodIndex + 1;
        const result = await this.billNewPeriod(next, {
          index: next.periodIndex + 1,
          usageUntil: this.nowIso(),
        });
        if (result.billed) this.settleNewInvoice(next, result.invoice.invoiceId, result.charge, fx);
        this.periodRolled = true;
        return charge;
      }
      this.markPaid(next, invoiceId, fx);
      return charge;
    }
    dunning.failedAttempts = attempt;
    dunning.nextRetryAt = null;
    dunning.hardDecline = charge.hard ? charge.declineCode : null;
    if (next.status === 'past_due') this.applyDunningDecision(next, charge.dunning, fx);
    else fx.events.push({ type: 'invoice.payment_failed', data: { invoiceId, attempt } });
    return charge;
  }

  /** The paid, unused rest of the current period, credited or refunded once per cause. */
  private async settleUnusedTime(next: SubscriptionState, disposition: 'refund' | 'credit', cause: string) {
    await billing.settleUnusedTime.executeWithOptions(
      { summary: `${disposition} unused time of period ${next.periodIndex}` },
      [this.unusedTimeOf(next, disposition, cause)],
    );
  }

  private unusedTimeOf(
    next: SubscriptionState,
    disposition: 'refund' | 'credit',
    cause: string,
  ): UnusedPeriodRequest {
    return {
      subscriptionId: next.subscriptionId,
      periodIndex: next.periodIndex,
      customerId: next.customerId,
      currency: next.currency,
      period: next.period,
      at: this.nowIso(),
      disposition,
      causeKey: `${next.subscriptionId}:${cause}`,
    };
  }

  // ── Timed moments ───────────────────────────────────────────────────────────────────────────────────────────

  /** The first run's opening: a trial begins, or the first period is invoiced and charged at once. */
  async open(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    fx.emails.push({ kind: 'welcome', cause: 'welcome' });
    fx.events.push({ type: 'subscription.created', data: { trialEnd: next.trialEnd } });
    if (next.status !== 'trialing') {
      const result = await this.billNewPeriod(next, {
        index: next.periodIndex,
        knownPeriod: true,
        usageUntil: null,
      });
      if (result.billed) {
        const paid = !result.charge || result.charge.outcome === 'paid';
        if (paid) this.markPaid(next, result.invoice.invoiceId, fx);
        else {
          next.status = 'incomplete';
          next.dunning = {
            invoiceId: result.invoice.invoiceId,
            failedAttempts: 1,
            firstFailureAt: this.nowIso(),
            nextRetryAt: null,
            hardDecline:
              result.charge?.outcome === 'declined' && result.charge.hard ? result.charge.declineCode : null,
            cause: 'declined',
          };
          next.incompleteExpiresAt = new Date(this.clock.now() + INCOMPLETE_EXPIRY_MS).toISOString();
          fx.events.push({ type: 'subscription.incomplete', data: { invoiceId: result.invoice.invoiceId } });
          fx.emails.push({
            kind: 'payment_failed',
            cause: `payment_failed:${result.invoice.invoiceId}:1`,
            invoiceId: result.invoice.invoiceId,
            hardDecline: next.dunning.hardDecline !== null,
          });
        }
      }
    }
    await this.commit(next, fx);
    this.opened = true;
  }

  async handleMoment(moment: Moment): Promise<void> {
    this.momentAt = moment.at;
    try {
      await this.handleDueMoment(moment);
    } finally {
      this.momentAt = null;
    }
  }

  private async handleDueMoment(moment: Moment): Promise<void> {
    switch (moment.kind) {
      case 'trial_reminder':
        return this.simple((next) => (next.trialReminderSent = true), {
          kind: 'trial_ending',
          cause: 'trial_ending',
        });
      case 'renewal_reminder':
        return this.simple((next) => (next.renewalReminderSent = true), {
          kind: 'upcoming_renewal',
          cause: `upcoming_renewal:${this.state.periodIndex}`,
        });
      case 'trial_end':
        return this.endTrial();
      case 'period_end':
        return this.endPeriod();
      case 'dunning_retry':
        return this.retryDunning();
      case 'incomplete_expiry':
        return this.expireIncomplete();
      case 'resume':
        return this.resume();
    }
  }

  /** A reminder: one flag and one email, no event. */
  private async simple(change: (next: SubscriptionState) => void, email: EmailDraft): Promise<void> {
    const next = clone(this.state);
    change(next);
    await this.commit(next, { ...noEffects(), emails: [email] });
  }

  private async endTrial(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    const trialEnd = next.trialEnd as string;
    // The first paid period starts when the trial ends, and later periods count from there.
    next.anchor = trialEnd;
    next.anchorPeriodIndex = next.periodIndex + 1;
    // Usage during a trial is free: what is billed in arrears starts with the first paid period.
    next.usageFrom = trialEnd;
    const result = await this.billNewPeriod(next, {
      index: next.periodIndex + 1,
      usageUntil: null,
      requirePaymentMethod: true,
    });
    next.trialEnd = null;
    if (!result.billed) {
      if (next.trialEndWithoutPaymentMethod === 'cancel') {
        next.status = 'canceled';
        next.canceledAt = trialEnd;
        next.cancelReason = 'trial_ended_without_payment_method';
        fx.events.push({ type: 'subscription.canceled', data: { reason: next.cancelReason } });
        fx.emails.push({ kind: 'canceled', cause: 'canceled' });
      } else {
        next.status = 'paused';
        next.pause = { since: trialEnd, resumesAt: null };
        fx.events.push({
          type: 'subscription.paused',
          data: { reason: 'trial_ended_without_payment_method' },
        });
        fx.emails.push({ kind: 'paused', cause: `paused:${next.periodIndex}` });
      }
      await this.commit(next, fx);
      return;
    }
    next.status = 'active';
    fx.events.push({ type: 'subscription.trial_ended', data: { invoiceId: result.invoice.invoiceId } });
    this.settleNewInvoice(next, result.invoice.invoiceId, result.charge, fx);
    await this.commit(next, fx);
    this.periodRolled = true;
  }

  private async endPeriod(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    const periodEnd = next.period.end;
    if (next.cancelAtPeriodEnd) {
      await this.billFinalUsage(next, periodEnd, fx);
      next.status = 'canceled';
      next.canceledAt = periodEnd;
      next.cancelAtPeriodEnd = false;
      next.dunning = null;
      fx.events.push({
        type: 'subscription.canceled',
        data: { reason: next.cancelReason, atPeriodEnd: true },
      });
      fx.emails.push({ kind: 'canceled', cause: 'canceled' });
      await this.commit(next, fx);
      return;
    }
    if (next.pauseAtPeriodEnd) {
      next.status = 'paused';
      next.pause = { since: periodEnd, resumesAt: next.pauseAtPeriodEnd.resumesAt };
      next.pauseAtPeriodEnd = null;
      fx.events.push({ type: 'subscription.paused', data: { atPeriodEnd: true } });
      fx.emails.push({ kind: 'paused', cause: `paused:${next.periodIndex}` });
      await this.commit(next, fx);
      return;
    }
    if (next.scheduledChange) {
      const previousItems = next.items;
      const change = next.scheduledChange;
      if (change.interval.unit !== next.interval.unit || change.interval.count !== next.interval.count) {
        // Another interval starts its own calendar where the old period ends.
        next.anchor = periodEnd;
        next.anchorPeriodIndex = next.periodIndex + 1;
        next.interval = change.interval;
      }
      next.items = change.items;
      next.scheduledChange = null;
      fx.events.push({
        type: 'subscription.plan_changed',
        data: { items: itemSummary(next.items), scheduled: true },
      });
      fx.emails.push({
        kind: 'plan_changed',
        cause: `plan_changed:${next.periodIndex + 1}`,
        previousItems,
      });
    }
    const result = await this.billNewPeriod(next, { index: next.periodIndex + 1, usageUntil: periodEnd });
    next.renewals += 1;
    if (result.billed) {
      fx.events.push({ type: 'subscription.renewed', data: { invoiceId: result.invoice.invoiceId } });
      this.settleNewInvoice(next, result.invoice.invoiceId, result.charge, fx);
    }
    await this.commit(next, fx);
    this.periodRolled = true;
  }

  private async retryDunning(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    const dunning = next.dunning as NonNullable<SubscriptionState['dunning']>;
    if (dunning.hardDecline) {
      // The same card cannot succeed: the schedule still reminds the customer and ends, without charging.
      dunning.failedAttempts += 1;
      dunning.nextRetryAt = null;
      const decision = await calendar.planDunningStep.executeWithOptions(
        { summary: 'plan the next dunning step' },
        [
          {
            failedAttempts: dunning.failedAttempts,
            firstFailureAt: dunning.firstFailureAt,
            timeZone: next.timeZone,
          },
        ],
      );
      this.applyDunningDecision(next, decision, fx);
    } else {
      await this.collectNow(next, fx);
    }
    await this.commit(next, fx);
  }

  private async expireIncomplete(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    if (next.dunning) fx.invoiceActions.push({ invoiceId: next.dunning.invoiceId, action: 'void' });
    next.status = 'incomplete_expired';
    next.dunning = null;
    next.incompleteExpiresAt = null;
    fx.events.push({ type: 'subscription.incomplete_expired' });
    await this.commit(next, fx);
  }

  /** A paused subscription starts a new period now: the anchor moves to the resume instant. */
  async resume(): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    const now = this.nowIso();
    next.anchor = now;
    next.anchorPeriodIndex = next.periodIndex + 1;
    next.pause = null;
    next.status = 'active';
    fx.emails.push({ kind: 'resumed', cause: `resumed:${next.periodIndex + 1}` });
    fx.events.push({ type: 'subscription.resumed' });
    const result = await this.billNewPeriod(next, { index: next.periodIndex + 1, usageUntil: now });
    if (result.billed) this.settleNewInvoice(next, result.invoice.invoiceId, result.charge, fx);
    await this.commit(next, fx);
    this.periodRolled = true;
  }

  /** A moment failed on data no retry fixes: the subscription waits, visibly, for an operator. */
  async needAttention(moment: Moment | null, failure: { code: string; message: string }): Promise<void> {
    const attention: Attention = {
      code: failure.code,
      message: failure.message,
      since: this.nowIso(),
      moment: moment?.kind ?? null,
    };
    const next = { ...clone(this.state), attention };
    try {
      await this.commit(next, {
        ...noEffects(),
        events: [
          { type: 'subscription.needs_attention', data: { code: failure.code, moment: attention.moment } },
        ],
        emails: [{ kind: 'needs_attention', cause: `needs_attention:${this.eventSeq + 1}` }],
      });
    } catch (error) {
      if (!activityGaveUp(error)) throw error;
      // Nothing could be recorded either: the state still says so, for the query and the operator.
      this.state = next;
      this.onCommitted(next, null);
    }
  }

  // ── Commands ────────────────────────────────────────────────────────────────────────────────────────────────

  async retryAttention(): Promise<void> {
    await this.commit(
      { ...clone(this.state), attention: null },
      {
        ...noEffects(),
        events: [{ type: 'subscription.attention_cleared' }],
      },
    );
  }

  async cancel(command: CancelCommand, source: Record<string, unknown> = {}): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    if (command.at === 'period_end') {
      next.cancelAtPeriodEnd = true;
      next.cancelReason = command.reason ?? null;
      fx.events.push({ type: 'subscription.cancel_scheduled', data: { reason: next.cancelReason } });
      await this.commit(next, fx);
      return;
    }
    const now = this.nowIso();
    const paidPeriod = next.status === 'active' && next.dunning === null;
    if (paidPeriod && command.unused && command.unused !== 'none') {
      await this.settleUnusedTime(next, command.unused, 'cancel');
    }
    if (next.status === 'active' || next.status === 'past_due') await this.billFinalUsage(next, now, fx);
    next.status = 'canceled';
    next.canceledAt = now;
    next.cancelReason = command.reason ?? null;
    next.cancelAtPeriodEnd = false;
    fx.events.push({
      type: 'subscription.canceled',
      data: { reason: next.cancelReason, unused: command.unused ?? 'none', ...source },
    });
    fx.emails.push({ kind: 'canceled', cause: 'canceled' });
    await this.commit(next, fx);
  }

  /** A cancellation requested in the Temporal Web UI: an operator's immediate cancel, nothing refunded. */
  async operatorCancel(): Promise<void> {
    await this.cancel(
      { at: 'immediately', unused: 'none', reason: 'operator_request' },
      { requestedBy: 'operator' },
    );
  }

  async reactivate(): Promise<void> {
    const next = clone(this.state);
    next.cancelAtPeriodEnd = false;
    next.cancelReason = null;
    await this.commit(next, { ...noEffects(), events: [{ type: 'subscription.cancel_undone' }] });
  }

  async pause(command: PauseCommand): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    const resumesAt = command.resumesAt ?? null;
    if (command.at === 'period_end') {
      next.pauseAtPeriodEnd = { resumesAt };
      fx.events.push({ type: 'subscription.pause_scheduled', data: { resumesAt } });
      await this.commit(next, fx);
      return;
    }
    if (next.status === 'active') {
      // Pausing immediately credits the unused part of the paid period to the customer's balance: in the commit's
      // transaction, one activity's round trip fewer; runs recorded before that credited it in an activity first.
      const cause = `pause:${next.periodIndex}`;
      if (patched(PAUSE_CREDIT_IN_COMMIT)) fx.unusedCredit = this.unusedTimeOf(next, 'credit', cause);
      else await this.settleUnusedTime(next, 'credit', cause);
    }
    next.status = 'paused';
    next.pause = { since: this.nowIso(), resumesAt };
    next.trialEnd = null;
    next.pauseAtPeriodEnd = null;
    fx.events.push({ type: 'subscription.paused', data: { resumesAt } });
    fx.emails.push({ kind: 'paused', cause: `paused:${next.periodIndex}` });
    await this.commit(next, fx);
  }

  async change(command: ChangeCommand): Promise<ChangeResult> {
    const resolved = resolveChange(this.state, command);
    if (isRefusal(resolved)) throw ApplicationFailure.nonRetryable(resolved.message, resolved.type);
    const next = clone(this.state);
    const fx = noEffects();
    const previousItems = next.items;
    const changed = { type: 'subscription.plan_changed', data: { items: itemSummary(resolved.items) } };
    const changedEmail: EmailDraft = {
      kind: 'plan_changed',
      cause: `plan_changed:${next.periodIndex}:${this.eventSeq + 1}`,
      previousItems,
    };
    if (resolved.timing === 'period_end') {
      next.scheduledChange = { items: resolved.items, interval: resolved.interval };
      fx.events.push({ type: 'subscription.change_scheduled', data: { items: itemSummary(resolved.items) } });
      await this.commit(next, fx);
      return { ...this.snapshot(true), invoice: null };
    }
    next.items = resolved.items;
    next.interval = resolved.interval;
    next.scheduledChange = null;
    let invoice: ChangeInvoice | null = null;
    if (next.status === 'active' && resolved.intervalChanged) {
      // Another interval takes effect now: the unused old period is credited and the new one billed in full.
      next.anchor = this.nowIso();
      next.anchorPeriodIndex = next.periodIndex + 1;
      const result = await this.billNewPeriod(next, {
        index: next.periodIndex + 1,
        usageUntil: this.nowIso(),
        credit: resolved.proration === 'none' ? null : { items: previousItems, period: this.state.period },
      });
      fx.events.push(changed);
      fx.emails.push(changedEmail);
      if (result.billed) {
        invoice = { ...result.invoice, lines: [] };
        this.settleNewInvoice(next, result.invoice.invoiceId, result.charge, fx);
      }
      await this.commit(next, fx);
      this.periodRolled = true;
      return { ...this.snapshot(true), invoice };
    }
    if (next.status === 'active' && resolved.proration !== 'none') {
      const changeKey = `${next.subscriptionId}:change:${this.eventSeq + 1}`;
      const bill = await billing.billChange.executeWithOptions({ summary: `invoice change ${changeKey}` }, [
        {
          subscriptionId: next.subscriptionId,
          customerId: next.customerId,
          currency: next.currency,
          timeZone: next.timeZone,
          changeKey,
          period: next.period,
          at: this.nowIso(),
          before: previousItems,
          after: next.items,
          proration: resolved.proration,
          paymentMethodId: next.paymentMethodId,
          dunning: this.dunningContext(1),
        },
      ]);
      if (resolved.proration === 'create_prorations') {
        fx.pendingItems.push(
          ...bill.lines.map((line, index) => ({
            key: `${changeKey}:${index}`,
            kind: 'proration' as const,
            description: line.description,
            amount: line.amount,
            periodStart: line.periodStart,
            periodEnd: line.periodEnd,
          })),
        );
      }
      invoice = bill.invoice;
      settleSetupFees(next, bill.setupFeesBilled);
      if (bill.invoice) {
        const charge = bill.charge;
        if (charge && charge.outcome === 'declined')
          this.enterDunning(next, bill.invoice.invoiceId, charge, 'declined', fx);
        else if (bill.invoice.total > 0)
          fx.emails.push({
            kind: 'receipt',
            cause: `receipt:${bill.invoice.invoiceId}`,
            invoiceId: bill.invoice.invoiceId,
          });
      }
    }
    fx.events.push(changed);
    fx.emails.push(changedEmail);
    await this.commit(next, fx);
    return { ...this.snapshot(true), invoice };
  }

  async cancelScheduledChange(): Promise<void> {
    await this.commit(
      { ...clone(this.state), scheduledChange: null },
      {
        ...noEffects(),
        events: [{ type: 'subscription.change_unscheduled' }],
      },
    );
  }

  async applyCoupon(command: CouponCommand): Promise<void> {
    const next = clone(this.state);
    next.couponIds = [...next.couponIds, command.couponId];
    // The current period is invoiced already; the discount starts with the next invoice.
    await this.commit(next, {
      ...noEffects(),
      redeemCoupons: [{ couponId: command.couponId, startPeriodIndex: next.periodIndex + 1 }],
      events: [{ type: 'subscription.coupon_applied', data: { couponId: command.couponId } }],
    });
  }

  async removeDiscount(command: CouponCommand): Promise<void> {
    const next = clone(this.state);
    next.couponIds = next.couponIds.filter((id) => id !== command.couponId);
    await this.commit(next, {
      ...noEffects(),
      removeCoupons: [command.couponId],
      events: [{ type: 'subscription.discount_removed', data: { couponId: command.couponId } }],
    });
  }

  async updatePaymentMethod(paymentMethodId: string): Promise<PayResult> {
    const next = clone(this.state);
    const fx = noEffects();
    next.paymentMethodId = paymentMethodId;
    fx.events.push({ type: 'subscription.payment_method_updated', data: { paymentMethodId } });
    // A new payment method retries an unpaid invoice at once.
    const charge = await this.collectNow(next, fx);
    await this.commit(next, fx);
    return { ...this.snapshot(true), charge };
  }

  async payInvoice(): Promise<PayResult> {
    const next = clone(this.state);
    const fx = noEffects();
    const charge = await this.collectNow(next, fx);
    await this.commit(next, fx);
    return { ...this.snapshot(true), charge };
  }

  async voidInvoice(command: InvoiceCommand): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    fx.invoiceActions.push({ invoiceId: command.invoiceId, action: 'void_open' });
    if (next.dunning?.invoiceId !== command.invoiceId) {
      fx.events.push({ type: 'invoice.voided', data: { invoiceId: command.invoiceId } });
    } else if (next.status === 'incomplete') {
      // Without its first invoice the subscription never started: it ends as an expired incomplete one does.
      next.dunning = null;
      next.status = 'incomplete_expired';
      next.incompleteExpiresAt = null;
      fx.events.push({
        type: 'subscription.incomplete_expired',
        data: { invoiceId: command.invoiceId, reason: 'invoice_voided' },
      });
    } else {
      // Nothing is owed any more, so the dunning episode is over and the subscription is in good standing.
      next.dunning = null;
      next.status = 'active';
      fx.events.push({ type: 'invoice.voided', data: { invoiceId: command.invoiceId, dunningEnded: true } });
    }
    await this.commit(next, fx);
  }

  // ── Facts from outside ──────────────────────────────────────────────────────────────────────────────────────

  async paymentArrived(fact: PaymentFact): Promise<void> {
    if (collectibleInvoiceId(this.state) !== fact.invoiceId) return;
    const next = clone(this.state);
    const fx = noEffects();
    // Money that arrived outside our own attempts (e.g. a delayed settlement) settles the dunning episode.
    this.markPaid(next, fact.invoiceId, fx);
    await this.commit(next, fx);
  }

  async recordFact(type: string, data: Record<string, unknown>): Promise<void> {
    await this.commit(clone(this.state), { ...noEffects(), events: [{ type, data }] });
  }

  /** A lost chargeback: the reopened invoice is collected again by dunning, and the fee waits on the next invoice. */
  async disputeClosed(fact: DisputeFact): Promise<void> {
    const next = clone(this.state);
    const fx = noEffects();
    fx.events.push({
      type: fact.outcome === 'lost' ? 'subscription.dispute_lost' : 'subscription.dispute_won',
      data: { disputeId: fact.disputeId, invoiceId: fact.invoiceId, amount: fact.amount },
    });
    if (fact.outcome === 'lost' && !isFinal(next.status)) {
      if (fact.feeAmount && fact.feeAmount > 0) {
        fx.pendingItems.push({
          key: `dispute_fee:${fact.disputeId}`,
          kind: 'dispute_fee',
          description: `Dispute fee (${fact.disputeId})`,
          amount: fact.feeAmount,
        });
      }
      if (next.status === 'active' && next.dunning === null) {
        const decision = await calendar.planDunningStep.executeWithOptions(
          { summary: 'plan the next dunning step' },
          [
            {
              failedAttempts: 1,
              firstFailureAt: this.nowIso(),
              timeZone: next.timeZone,
            },
          ],
        );
        this.enterDunning(next, fact.invoiceId, { dunning: decision, hard: false }, 'dispute_lost', fx);
      }
    }
    await this.commit(next, fx);
  }

  /**
   * A run that continued from schema version 1 reads its items' amounts and names from the catalogue once, and
   * records the state it now holds (the read model had only version 1's columns).
   */
  async repriceItems(): Promise<void> {
    const describe = async (items: SubscriptionItem[]) =>
      records.describeItems.executeWithOptions({ summary: 'describe items' }, [
        { customerId: this.state.customerId, currency: this.state.currency, items },
      ]);
    const described = await describe(this.state.items);
    const next: SubscriptionState = {
      ...clone(this.state),
      items: described.items,
      testClockId: described.testClockId,
      scheduledChange: this.state.scheduledChange
        ? { ...this.state.scheduledChange, items: (await describe(this.state.scheduledChange.items)).items }
        : null,
    };
    await this.commit(next, {
      ...noEffects(),
      events: [{ type: 'subscription.migrated', data: { schemaVersion: next.schemaVersion } }],
    });
  }
}

/** Items whose setup fee an invoice now carries owe it no longer. */
function settleSetupFees(next: SubscriptionState, billed: readonly string[]): void {
  if (billed.length === 0) return;
  next.items = next.items.map((item) => (billed.includes(item.id) ? { ...item, setupFeeDue: false } : item));
}

/** Items as events and webhooks show them. */
export function itemSummary(items: readonly SubscriptionItem[]) {
  return items.map((item) => ({
    id: item.id,
    plan_id: item.planId,
    quantity: item.quantity,
    amount: item.amount,
    metered: item.metered,
  }));
}
