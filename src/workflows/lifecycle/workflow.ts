import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OperatorView } from '../../activities/lifecycle.contract';
import { ActivityFailureType } from '../failure-types';
import {
  DunningLevelKey,
  NeedsAttentionKey,
  NextBillingAtKey,
  PlanIdKey,
  SubscriptionStatusKey,
  TestClockIdKey,
} from '../search-attributes';
import { createClock } from './clock';
import { describeForOperators } from './details';
import { isCurrentInput, type LifecycleInput } from './input';
import { runLegacyLifecycle, type LegacyLifecycleInput } from './legacy/workflow-v1';
import { activityGaveUp, describeFailure, SubscriptionMachine } from './machine';
import {
  applyCouponUpdate,
  cancelScheduledChangeUpdate,
  cancelUpdate,
  changeUpdate,
  CommandRejection,
  disputeClosedSignal,
  getSubscriptionQuery,
  openedUpdate,
  pauseUpdate,
  payInvoiceUpdate,
  paymentDisputedSignal,
  paymentFailedSignal,
  paymentRefundedSignal,
  paymentSucceededSignal,
  reactivateUpdate,
  removeDiscountUpdate,
  resumeUpdate,
  retryAttentionUpdate,
  type SubscriptionSnapshot,
  testClockAdvancedSignal,
  updatePaymentMethodUpdate,
  upgradeSchemaUpdate,
  voidInvoiceUpdate,
} from './messages';
import {
  cancelRule,
  cancelScheduledChangeRule,
  changeRule,
  couponRule,
  pauseRule,
  paymentMethodRule,
  payInvoiceRule,
  reactivateRule,
  type Refusal,
  removeDiscountRule,
  resumeRule,
  retryAttentionRule,
  type Rule,
  voidInvoiceRule,
} from './rules';
import {
  isFinal,
  type MomentKind,
  nextMoment,
  nextMoneyMoment,
  STATE_SCHEMA_VERSION,
  type SubscriptionState,
} from './state';

/**
 * One subscription from trial to the end. Each run covers one billing period and continues as new when the next
 * one begins; it sleeps until its next moment (see `nextMoment`) and wakes early for commands. Runs started before
 * the item model (no `schemaVersion`) finish on the version 1 code and hand over at their next continue-as-new.
 */
/** What a timer waits for, as its summary in the Web UI says it. */
const MOMENT_WORDS: Record<MomentKind, string> = {
  trial_reminder: 'trial reminder',
  trial_end: 'trial end',
  renewal_reminder: 'renewal reminder',
  period_end: 'renewal',
  dunning_retry: 'payment retry',
  incomplete_expiry: 'expiry of the unpaid first invoice',
  resume: 'resume',
};

export async function subscriptionLifecycleWorkflow(
  input: LifecycleInput | LegacyLifecycleInput,
): Promise<SubscriptionSnapshot | Awaited<ReturnType<typeof runLegacyLifecycle>>> {
  if (!isCurrentInput(input)) return runLegacyLifecycle(input);
  return runLifecycle(input);
}

function refuse(refusal: Refusal | null): void {
  if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
}

/** An activity's refusal or data failure during a command becomes the command's rejection, never a stuck workflow. */
function asRejection(error: unknown): unknown {
  if (!activityGaveUp(error)) return error;
  const failure = describeFailure(error);
  const passThrough: string[] = [CommandRejection.invalidArgument, CommandRejection.invalidState];
  if (passThrough.includes(failure.code))
    return ApplicationFailure.nonRetryable(failure.message, failure.code);
  const type =
    failure.code === ActivityFailureType.billingData
      ? CommandRejection.invalidArgument
      : CommandRejection.busy;
  return ApplicationFailure.nonRetryable(`${failure.code}: ${failure.message}`, type);
}

async function runLifecycle(input: LifecycleInput): Promise<SubscriptionSnapshot> {
  const clock = createClock(input.clock);
  let busy = false;
  let changed = false;

  let published = input.opened ? searchAttributesOf(input.state) : null;
  let view: OperatorView | null = input.view ?? null;
  const publish = (state: SubscriptionState, latest: OperatorView | null) => {
    const attributes = searchAttributesOf(state);
    // Each upsert is a history event: only a change is written.
    if (JSON.stringify(attributes) !== JSON.stringify(published)) {
      upsertSearchAttributes([
        { key: SubscriptionStatusKey, value: attributes.status },
        { key: PlanIdKey, value: attributes.planId },
        {
          key: NextBillingAtKey,
          value: attributes.nextBillingAt ? new Date(attributes.nextBillingAt) : null,
        },
        { key: DunningLevelKey, value: attributes.dunningLevel },
        { key: NeedsAttentionKey, value: attributes.needsAttention },
        { key: TestClockIdKey, value: attributes.testClockId },
      ]);
      published = attributes;
    }
    if (latest) view = latest;
    setCurrentDetails(view?.details ?? describeForOperators(state, nextMoment(state)));
  };
  const machine = new SubscriptionMachine(input, clock, publish);
  setCurrentDetails(view?.details ?? describeForOperators(machine.state, nextMoment(machine.state)));

  /**
   * Commands, facts and timed moments never interleave: each runs to completion before the next starts, and a
   * cancellation request from the Web UI never interrupts one half-way (it is handled where the workflow waits).
   */
  async function exclusive<T>(work: () => Promise<T>): Promise<T> {
    // Several waiters can wake in the same activation; each re-checks before taking the turn.
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await CancellationScope.nonCancellable(work);
    } finally {
      busy = false;
      changed = true;
    }
  }

  async function handleDue(): Promise<void> {
    const moment = nextMoment(machine.state);
    if (!moment || !machine.hasDueMoment()) return;
    try {
      await machine.handleMoment(moment);
    } catch (error) {
      if (!activityGaveUp(error)) throw error;
      await machine.needAttention(moment, describeFailure(error));
    }
  }

  async function open(): Promise<void> {
    try {
      await machine.open();
    } catch (error) {
      if (!activityGaveUp(error)) throw error;
      await machine.needAttention(null, describeFailure(error));
    }
  }

  /**
   * A command: its rule before it reaches history (the validator), then inside the lock after everything due up to
   * now has been handled, so that neither a timer nor another command can have moved the state under it.
   */
  function command<C, R>(rule: Rule<C>, act: (command: C) => Promise<R>) {
    return {
      validator: (command: C) => refuse(rule(machine.state, clock.now(), command)),
      handler: (command: C) =>
        exclusive(async () => {
          while (machine.hasDueMoment() && !machine.periodRolled) await handleDue();
          if (machine.hasDueMoment() || (!machine.opened && !machine.state.attention)) {
            throw ApplicationFailure.nonRetryable(
              'The subscription is still catching up with its clock; retry in a moment',
              CommandRejection.busy,
            );
          }
          refuse(rule(machine.state, clock.now(), command));
          try {
            return await act(command);
          } catch (error) {
            throw asRejection(error);
          }
        }),
    };
  }

  const snapshotNow = () => machine.snapshot(true);
  const update = <C, R>(rule: Rule<C>, act: (command: C) => Promise<R>) => {
    const { validator, handler } = command(rule, act);
    return [handler, { validator }] as const;
  };

  setHandler(getSubscriptionQuery, () => machine.snapshot(busy));
  setHandler(openedUpdate, async () => {
    await condition(() => (machine.opened || machine.state.attention !== null) && !busy);
    return machine.snapshot(busy);
  });

  setHandler(
    cancelUpdate,
    ...update(cancelRule, async (c) => {
      await machine.cancel(c);
      return snapshotNow();
    }),
  );
  setHandler(
    reactivateUpdate,
    ...update<void, SubscriptionSnapshot>(reactivateRule, async () => {
      await machine.reactivate();
      return snapshotNow();
    }),
  );
  setHandler(
    pauseUpdate,
    ...update(pauseRule, async (c) => {
      await machine.pause(c);
      return snapshotNow();
    }),
  );
  setHandler(
    resumeUpdate,
    ...update<void, SubscriptionSnapshot>(resumeRule, async () => {
      await machine.resume();
      return snapshotNow();
    }),
  );
  setHandler(changeUpdate, ...update(changeRule, (c) => machine.change(c)));
  setHandler(
    cancelScheduledChangeUpdate,
    ...update<void, SubscriptionSnapshot>(cancelScheduledChangeRule, async () => {
      await machine.cancelScheduledChange();
      return snapshotNow();
    }),
  );
  setHandler(
    applyCouponUpdate,
    ...update(couponRule, async (c) => {
      await machine.applyCoupon(c);
      return snapshotNow();
    }),
  );
  setHandler(
    removeDiscountUpdate,
    ...update(removeDiscountRule, async (c) => {
      await machine.removeDiscount(c);
      return snapshotNow();
    }),
  );
  setHandler(
    updatePaymentMethodUpdate,
    ...update(paymentMethodRule, (c) => machine.updatePaymentMethod(c.paymentMethodId)),
  );
  setHandler(
    voidInvoiceUpdate,
    ...update(voidInvoiceRule, async (c) => {
      await machine.voidInvoice(c);
      return snapshotNow();
    }),
  );
  setHandler(payInvoiceUpdate, ...update(payInvoiceRule, () => machine.payInvoice()));
  setHandler(
    retryAttentionUpdate,
    ...update<void, SubscriptionSnapshot>(retryAttentionRule, async () => {
      await machine.retryAttention();
      // What stopped is tried again now, so the answer already shows whether the fix worked.
      if (!machine.opened) await open();
      while (machine.hasDueMoment()) await handleDue();
      return snapshotNow();
    }),
  );
  // A run of the current schema has nothing to upgrade; answering keeps a racing API call harmless.
  setHandler(upgradeSchemaUpdate, () => machine.snapshot(busy));

  /** Facts from outside are recorded; one the records refuse leaves the subscription waiting for an operator. */
  const fact = (work: () => Promise<void>) =>
    exclusive(async () => {
      try {
        await work();
      } catch (error) {
        if (!activityGaveUp(error)) throw error;
        await machine.needAttention(null, describeFailure(error));
      }
    });

  setHandler(paymentSucceededSignal, (payment) => fact(() => machine.paymentArrived(payment)));
  // Charges are answered synchronously, so the gateway's notices confirm outcomes the workflow already acted on;
  // they are kept in the audit log.
  setHandler(paymentFailedSignal, (payment) =>
    fact(() =>
      machine.recordFact('charge.failed', {
        invoiceId: payment.invoiceId,
        chargeId: payment.chargeId,
        declineCode: payment.declineCode,
      }),
    ),
  );
  setHandler(paymentRefundedSignal, (payment) =>
    fact(() =>
      machine.recordFact('charge.refunded', { invoiceId: payment.invoiceId, chargeId: payment.chargeId }),
    ),
  );
  setHandler(paymentDisputedSignal, (payment) =>
    fact(() =>
      machine.recordFact('charge.disputed', { invoiceId: payment.invoiceId, chargeId: payment.chargeId }),
    ),
  );
  setHandler(disputeClosedSignal, (dispute) => fact(() => machine.disputeClosed(dispute)));
  setHandler(testClockAdvancedSignal, ({ frozenTime }) => {
    clock.advanceTo(Date.parse(frozenTime));
    changed = true;
  });

  try {
    if (input.repriceItems) await exclusive(() => machine.repriceItems());
    if (!machine.opened) await exclusive(open);

    while (!isFinal(machine.state.status) && !machine.periodRolled) {
      if (machine.hasDueMoment()) {
        await exclusive(handleDue);
        continue;
      }
      changed = false;
      const moment = nextMoment(machine.state);
      await clock.waitUntil(
        moment ? Date.parse(moment.at) : null,
        () => changed,
        moment ? `${MOMENT_WORDS[moment.kind]} at ${moment.at}` : undefined,
      );
    }

    await condition(() => allHandlersFinished() && !busy);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // "Request Cancellation" in the Web UI is an operator's cancel: now, no refund, recorded as such.
    await CancellationScope.nonCancellable(async () => {
      await condition(() => !busy);
      if (!isFinal(machine.state.status)) await exclusive(() => machine.operatorCancel());
      await condition(() => allHandlersFinished() && !busy);
    });
    return machine.snapshot(false);
  }
  if (machine.periodRolled && !isFinal(machine.state.status)) {
    return continueAsNew<typeof subscriptionLifecycleWorkflow>({
      schemaVersion: STATE_SCHEMA_VERSION,
      state: machine.state,
      clock: clock.toJSON(),
      opened: true,
      eventSeq: machine.nextEventSeq,
      ...(view ? { view } : {}),
    });
  }
  return machine.snapshot(false);
}

function searchAttributesOf(state: SubscriptionState) {
  const base = state.items.find((item) => !item.metered && !item.addOn) ?? state.items[0];
  return {
    status: state.status,
    planId: base?.planId ?? '',
    nextBillingAt: isFinal(state.status) || state.status === 'paused' ? null : nextMoneyMoment(state),
    dunningLevel: state.dunning?.failedAttempts ?? 0,
    needsAttention: state.attention !== null,
    testClockId: state.testClockId,
  };
}
