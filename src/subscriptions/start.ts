import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { Customer, PaymentMethod, Plan, Subscription } from '../db/entities';
import { newId } from '../db/ids';
import { redeemCoupon } from '../db/services/coupons';
import { isStoreError } from '../db/services/errors';
import { lastEventSequence, removeUnstartedSubscription } from '../db/services/unstarted-subscriptions';
import { isDomainError } from '../domain/errors';
import type { ClockState } from '../workflows/lifecycle/clock';
import type { LifecycleInput } from '../workflows/lifecycle/input';
import {
  lifecycleWorkflowIdFor,
  openedUpdate,
  type SubscriptionSnapshot,
} from '../workflows/lifecycle/messages';
import { withUpdateRetries } from './commands';
import { MAX_ITEMS } from '../workflows/lifecycle/rules';
import { STATE_SCHEMA_VERSION } from '../workflows/lifecycle/state';
import { subscriptionLifecycleWorkflow } from '../workflows/lifecycle/workflow';
import {
  CustomerIdKey,
  PlanIdKey,
  SubscriptionStatusKey,
  TestClockIdKey,
} from '../workflows/search-attributes';
import { initialSubscriptionState } from './initial-state';
import { ItemError, type ItemRequest, priceItems } from './items';

export interface StartSubscriptionInput {
  customerId: string;
  /** The base plan first, then add-ons and metered items; one currency, one interval. */
  items?: ItemRequest[];
  /** Shorthand for one item. */
  planId?: string;
  quantity?: number;
  currency: string;
  /** Overrides the base plan's trial; 0 starts billing at once. */
  trialDays?: number;
  paymentMethodId?: string | null;
  timeZone?: string;
  trialEndWithoutPaymentMethod?: 'cancel' | 'pause';
  /** A coupon redeemed with the subscription: it discounts the first invoice. */
  couponId?: string;
  /** A test clock's frozen time: the subscription then lives on that clock instead of real time. */
  testClockTime?: string;
  /** For callers that retry: the same id never starts a second workflow. */
  subscriptionId?: string;
  /** Answer once the subscription has opened (trial begun or first invoice charged), in the same call as the start. */
  awaitOpening?: boolean;
}

export class StartSubscriptionError extends Error {
  constructor(
    readonly code:
      | 'customer_not_found'
      | 'plan_not_found'
      | 'price_not_found'
      | 'plan_inactive'
      | 'invalid_quantity'
      | 'amount_out_of_range'
      | 'payment_method_not_found'
      | 'invalid_items'
      | 'coupon_not_redeemable'
      | 'subscription_id_reused',
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'StartSubscriptionError';
  }
}

const sameInterval = (a: { unit: string; count: number }, b: { unit: string; count: number }) =>
  a.unit === b.unit && a.count === b.count;

/**
 * Writes the read model's first row (with the coupon redeemed, in one transaction), then starts the subscription's
 * workflow. The workflow id is derived from the subscription id, so a repeated start finds the running workflow
 * instead of creating a second one.
 */
export async function startSubscription(
  deps: {
    em: EntityManager;
    client: Client;
    taskQueue: string;
    /**
     * The time a subscription without a test clock starts at: the wall clock, which is the Temporal server's; a
     * time-skipping test server keeps a time of its own and passes it here.
     */
    now?: () => Promise<Date>;
  },
  input: StartSubscriptionInput,
): Promise<{
  subscriptionId: string;
  workflowId: string;
  alreadyStarted: boolean;
  snapshot?: SubscriptionSnapshot;
}> {
  const { em } = deps;
  const customer = await em.findOne(Customer, input.customerId);
  if (!customer) {
    throw new StartSubscriptionError(
      'customer_not_found',
      `No such customer: ${input.customerId}`,
      'customer_id',
    );
  }
  const requested =
    input.items ??
    (input.planId ? [{ planId: input.planId, ...(input.quantity ? { quantity: input.quantity } : {}) }] : []);
  if (requested.length === 0 || requested.length > MAX_ITEMS) {
    throw new StartSubscriptionError('invalid_items', `A subscription has 1 to ${MAX_ITEMS} items`, 'items');
  }
  if (new Set(requested.map((item) => item.planId)).size !== requested.length) {
    throw new StartSubscriptionError('invalid_items', 'Each plan may appear once among the items', 'items');
  }
  let items;
  try {
    items = await priceItems(em, input.currency, requested);
  } catch (error) {
    if (error instanceof ItemError) throw new StartSubscriptionError(error.code, error.message, error.param);
    throw error;
  }
  // The base item names the subscription's plan: its first licensed non-add-on item, else its first item (a
  // subscription may bill usage alone).
  const base = (items.find((item) => !item.metered && !item.addOn) ?? items[0]) as (typeof items)[number];
  if (!items.every((item) => sameInterval(item.interval, base.interval))) {
    throw new StartSubscriptionError(
      'invalid_items',
      'All items of a subscription bill on the same interval',
      'items',
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
  const basePlan = await em.findOneOrFail(Plan, base.planId);

  const subscriptionId = input.subscriptionId ?? newId('sub');
  const workflowId = lifecycleWorkflowIdFor(subscriptionId);
  const existing = input.subscriptionId ? await em.findOne(Subscription, subscriptionId) : null;
  if (existing) {
    if (!sameSubscription(existing, customer.id, input.currency, items)) {
      throw new StartSubscriptionError(
        'subscription_id_reused',
        `Subscription ${subscriptionId} was created for another customer, currency or items`,
        'subscription_id',
      );
    }
    // It began: its workflow runs or ran, and only reconcile may start it again.
    if ((await lastEventSequence(em, subscriptionId)) > 0)
      return { subscriptionId, workflowId, alreadyStarted: true };
  }
  const startAt = input.testClockTime ?? (deps.now ? await deps.now() : new Date()).toISOString();
  // A retried create starts from the state its first attempt wrote, so the row and the workflow agree.
  const state =
    existing?.state?.schemaVersion === STATE_SCHEMA_VERSION
      ? existing.state
      : initialSubscriptionState({
          subscriptionId,
          customerId: customer.id,
          currency: input.currency,
          items,
          interval: base.interval,
          timeZone: input.timeZone ?? 'UTC',
          startAt,
          trialDays: input.trialDays ?? basePlan.trialDays,
          paymentMethodId,
          trialEndWithoutPaymentMethod: input.trialEndWithoutPaymentMethod ?? 'cancel',
          couponIds: input.couponId ? [input.couponId] : [],
          testClockId: customer.testClockId ?? null,
        });

  if (!existing) {
    await em.transactional(async (tx) => {
      tx.create(Subscription, {
        id: subscriptionId,
        customer: tx.getReference(Customer, customer.id),
        plan: tx.getReference(Plan, base.planId),
        // A new subscription is only ever trialing or active; the workflow projects every later status.
        status: state.status === 'trialing' ? 'trialing' : 'active',
        quantity: base.quantity,
        currency: state.currency,
        billingAnchor: new Date(state.anchor),
        timeZone: state.timeZone,
        currentPeriodStart: new Date(state.period.start),
        currentPeriodEnd: new Date(state.period.end),
        trialEnd: state.trialEnd ? new Date(state.trialEnd) : null,
        state,
        workflowId,
      });
      await tx.flush();
      if (input.couponId) {
        try {
          await redeemCoupon(tx, {
            subscriptionId,
            couponId: input.couponId,
            planId: base.planId,
            currency: input.currency,
            at: startAt,
            startPeriodIndex: 0,
          });
        } catch (error) {
          if (isDomainError(error) || (isStoreError(error) && error.code === 'not_found')) {
            throw new StartSubscriptionError('coupon_not_redeemable', error.message, 'coupon');
          }
          throw error;
        }
      }
    });
  }

  const clock: ClockState = input.testClockTime
    ? { kind: 'test', frozenTime: input.testClockTime }
    : { kind: 'real' };
  const workflowInput: LifecycleInput = {
    schemaVersion: STATE_SCHEMA_VERSION,
    state,
    clock,
    opened: false,
    eventSeq: 0,
  };
  const options = {
    workflowId,
    taskQueue: deps.taskQueue,
    // A create never opens a subscription whose workflow already ran: restarting one is reconcile's job.
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    args: [workflowInput] as [LifecycleInput],
    typedSearchAttributes: [
      { key: CustomerIdKey, value: customer.id },
      { key: PlanIdKey, value: base.planId },
      { key: SubscriptionStatusKey, value: state.status },
      ...(state.testClockId ? [{ key: TestClockIdKey, value: state.testClockId }] : []),
    ],
    staticSummary: `Subscription ${subscriptionId} · ${customer.name} <${customer.email}> · ${items
      .map((item) => item.name)
      .join(' + ')} (${state.currency})`,
  };
  try {
    if (input.awaitOpening) {
      // One round trip: the workflow starts (or is found running) and answers once it has opened.
      const snapshot = await withUpdateRetries(() =>
        deps.client.workflow.executeUpdateWithStart(openedUpdate, {
          startWorkflowOperation: new WithStartWorkflowOperation(subscriptionLifecycleWorkflow, {
            ...options,
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        }),
      );
      return { subscriptionId, workflowId, alreadyStarted: false, snapshot };
    }
    await deps.client.workflow.start(subscriptionLifecycleWorkflow, options);
    return { subscriptionId, workflowId, alreadyStarted: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { subscriptionId, workflowId, alreadyStarted: true };
    await undoUnstarted(deps, subscriptionId, workflowId);
    throw error;
  }
}

/**
 * A retry under the same id is the same subscription: the same customer and currency (which never change) and the
 * items it was created with (a retry after its items changed is refused, not merged).
 */
function sameSubscription(
  row: Subscription,
  customerId: string,
  currency: string,
  items: { planId: string; quantity: number }[],
): boolean {
  const created = row.state?.items ?? [];
  return (
    row.customer.id === customerId &&
    row.currency === currency &&
    created.length === items.length &&
    created.every(
      (item, index) => item.planId === items[index]?.planId && item.quantity === items[index]?.quantity,
    )
  );
}

/**
 * After a failed start: when the server holds no workflow under this id, the create never began, so its row and
 * coupon redemption are removed and the caller's error stands alone (a retry without a key then writes a new row, one
 * with the same key the same row again). When the workflow exists, or the server cannot say, the row stays for the
 * workflow to project over or for a retry with the same key to resume.
 */
async function undoUnstarted(
  deps: { em: EntityManager; client: Client },
  subscriptionId: string,
  workflowId: string,
): Promise<void> {
  try {
    await deps.client.workflow.getHandle(workflowId).describe();
    return;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) return;
  }
  try {
    await removeUnstartedSubscription(deps.em.fork(), subscriptionId);
  } catch {
    // The start's own error is the caller's answer; a row this could not remove is reconcile's to remove.
  }
}
