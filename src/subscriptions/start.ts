import type { EntityManager } from '@mikro-orm/postgresql';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Customer, PaymentMethod, Plan, PlanPrice, Subscription } from '../db/entities';
import { newId } from '../db/ids';
import { priceAmount } from '../domain/pricing';
import type { ClockState } from '../workflows/lifecycle/clock';
import { lifecycleWorkflowIdFor } from '../workflows/lifecycle/messages';
import { subscriptionLifecycleWorkflow } from '../workflows/lifecycle/workflow';
import { CustomerIdKey, PlanIdKey, SubscriptionStatusKey } from '../workflows/search-attributes';
import { initialSubscriptionState } from './initial-state';

export interface StartSubscriptionInput {
  customerId: string;
  planId: string;
  currency: string;
  quantity?: number;
  /** Overrides the plan's trial; 0 starts billing at once. */
  trialDays?: number;
  paymentMethodId?: string | null;
  timeZone?: string;
  trialEndWithoutPaymentMethod?: 'cancel' | 'pause';
  /** A test clock's frozen time: the subscription then lives on that clock instead of real time. */
  testClockTime?: string;
  /** For callers that retry: the same id never starts a second workflow. */
  subscriptionId?: string;
}

export class StartSubscriptionError extends Error {
  constructor(
    readonly code: 'customer_not_found' | 'plan_not_found' | 'price_not_found' | 'payment_method_not_found',
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'StartSubscriptionError';
  }
}

/**
 * Writes the read model's first row, then starts the subscription's workflow. The workflow id is derived from the
 * subscription id, so a repeated start finds the running workflow instead of creating a second one.
 */
export async function startSubscription(
  deps: { em: EntityManager; client: Client; taskQueue: string },
  input: StartSubscriptionInput,
): Promise<{ subscriptionId: string; workflowId: string; alreadyStarted: boolean }> {
  const { em } = deps;
  const [customer, plan, price] = await Promise.all([
    em.findOne(Customer, input.customerId),
    em.findOne(Plan, input.planId),
    em.findOne(PlanPrice, { plan: input.planId, currency: input.currency }),
  ]);
  if (!customer)
    throw new StartSubscriptionError(
      'customer_not_found',
      `No such customer: ${input.customerId}`,
      'customer_id',
    );
  if (!plan) throw new StartSubscriptionError('plan_not_found', `No such plan: ${input.planId}`, 'plan_id');
  if (!price) {
    throw new StartSubscriptionError(
      'price_not_found',
      `Plan ${input.planId} has no price in ${input.currency}`,
      'currency',
    );
  }
  const paymentMethodId = input.paymentMethodId ?? null;
  if (paymentMethodId && !(await em.findOne(PaymentMethod, { id: paymentMethodId, customer: customer.id }))) {
    throw new StartSubscriptionError(
      'payment_method_not_found',
      `No such payment method for this customer: ${paymentMethodId}`,
      'payment_method_id',
    );
  }

  const subscriptionId = input.subscriptionId ?? newId('sub');
  const workflowId = lifecycleWorkflowIdFor(subscriptionId);
  const startAt = input.testClockTime ?? new Date().toISOString();
  const state = initialSubscriptionState({
    subscriptionId,
    customerId: customer.id,
    currency: input.currency,
    plan: {
      planId: plan.id,
      unitAmount: priceAmount({ currency: price.currency, scheme: price.scheme }, 1).amount,
    },
    quantity: input.quantity ?? 1,
    interval: { unit: plan.intervalUnit, count: plan.intervalCount },
    timeZone: input.timeZone ?? 'UTC',
    startAt,
    trialDays: input.trialDays ?? plan.trialDays,
    paymentMethodId,
    trialEndWithoutPaymentMethod: input.trialEndWithoutPaymentMethod ?? 'cancel',
  });

  const existing = await em.findOne(Subscription, subscriptionId);
  if (!existing) {
    em.create(Subscription, {
      id: subscriptionId,
      customer,
      plan,
      // A new subscription is only ever trialing or active; the workflow projects every later status.
      status: state.status === 'trialing' ? 'trialing' : 'active',
      quantity: state.quantity,
      currency: state.currency,
      billingAnchor: new Date(state.anchor),
      timeZone: state.timeZone,
      currentPeriodStart: new Date(state.period.start),
      currentPeriodEnd: new Date(state.period.end),
      trialEnd: state.trialEnd ? new Date(state.trialEnd) : null,
      workflowId,
    });
    await em.flush();
  }

  const clock: ClockState = input.testClockTime
    ? { kind: 'test', frozenTime: input.testClockTime }
    : { kind: 'real' };
  try {
    await deps.client.workflow.start(subscriptionLifecycleWorkflow, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ state, clock, opened: false, eventSeq: 0 }],
      typedSearchAttributes: [
        { key: CustomerIdKey, value: customer.id },
        { key: PlanIdKey, value: plan.id },
        { key: SubscriptionStatusKey, value: state.status },
      ],
      staticSummary: `Subscription ${subscriptionId} · customer ${customer.id} · plan ${plan.id} (${state.currency})`,
    });
    return { subscriptionId, workflowId, alreadyStarted: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { subscriptionId, workflowId, alreadyStarted: true };
    throw error;
  }
}
