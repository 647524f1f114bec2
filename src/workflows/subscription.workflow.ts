import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { email, fastDbWrite, pureComputation } from './activity-options';
import { NextBillingAtKey, SubscriptionStatusKey } from './search-attributes';
import {
  cancelSignal,
  getStateQuery,
  pauseSignal,
  resumeSignal,
  type SubscriptionView,
  type SubscriptionWorkflowInput,
} from './subscription.messages';

type Activities = ReturnType<typeof createActivities>;

const calendar = proxyActivities<Activities>(pureComputation);
const db = proxyActivities<Activities>(fastDbWrite);
const mail = proxyActivities<Activities>(email);

/**
 * Foundation slice of the subscription workflow: one run per billing period. It sleeps until the period ends
 * (woken early by pause, resume and cancel), records the renewal, emails the customer and continues as new,
 * so history never grows with the subscription's age.
 */
export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<SubscriptionView> {
  const state = { ...input };
  const period = state.period;
  const periodEndMs = Date.parse(period.end);

  const view = (): SubscriptionView => ({
    subscriptionId: state.subscriptionId,
    customerId: state.customerId,
    planId: state.planId,
    status: state.status,
    periodIndex: state.periodIndex,
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    renewals: state.renewals,
    cancelReason: state.cancelReason ?? null,
  });

  const publish = (): void => {
    upsertSearchAttributes([
      { key: SubscriptionStatusKey, value: state.status },
      { key: NextBillingAtKey, value: state.status === 'active' ? new Date(periodEndMs) : null },
    ]);
    setCurrentDetails(
      `**${state.status}** · period ${state.periodIndex} (${period.start} → ${period.end}) · ${state.renewals} renewals`,
    );
  };

  setHandler(getStateQuery, view);
  setHandler(pauseSignal, () => {
    if (state.status === 'active') state.status = 'paused';
    publish();
  });
  setHandler(resumeSignal, () => {
    if (state.status === 'paused') state.status = 'active';
    publish();
  });
  setHandler(cancelSignal, (request) => {
    if (state.status === 'canceled') return;
    state.status = 'canceled';
    state.cancelReason = request.reason;
    publish();
  });
  publish();

  const periodDue = (): boolean => state.status === 'active' && Date.now() >= periodEndMs;
  while (state.status !== 'canceled' && !periodDue()) {
    if (state.status === 'paused') await condition(() => state.status !== 'paused');
    else await condition(() => state.status !== 'active', periodEndMs - Date.now());
  }
  if (state.status === 'canceled') {
    await condition(allHandlersFinished);
    return view();
  }

  await db.recordRenewal({
    subscriptionId: state.subscriptionId,
    periodIndex: state.periodIndex,
    periodStart: period.start,
    periodEnd: period.end,
  });
  await mail.sendRenewalEmail({
    subscriptionId: state.subscriptionId,
    periodIndex: state.periodIndex,
    to: state.email,
    periodStart: period.start,
    periodEnd: period.end,
  });

  // Period boundaries depend on time-zone data, so they are computed in an activity and recorded in history.
  const nextPeriod = await calendar.computeBillingPeriod({
    anchor: state.anchor,
    interval: state.interval,
    index: state.periodIndex + 1,
    timeZone: state.timeZone,
  });
  await condition(allHandlersFinished);
  return continueAsNew<typeof subscriptionWorkflow>({
    ...state,
    period: nextPeriod,
    periodIndex: state.periodIndex + 1,
    renewals: state.renewals + 1,
  });
}
