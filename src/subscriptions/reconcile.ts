import type { EntityManager } from '@mikro-orm/postgresql';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Customer, Subscription, TestClock } from '../db/entities';
import { lastEventSequence, removeUnstartedSubscription } from '../db/services/unstarted-subscriptions';
import type { ClockState } from '../workflows/lifecycle/clock';
import type { LifecycleInput } from '../workflows/lifecycle/input';
import { isFinal, STATE_SCHEMA_VERSION } from '../workflows/lifecycle/state';
import { subscriptionLifecycleWorkflow } from '../workflows/lifecycle/workflow';
import {
  CustomerIdKey,
  PlanIdKey,
  SubscriptionStatusKey,
  TestClockIdKey,
} from '../workflows/search-attributes';

export type ReconcileOutcome =
  | { subscriptionId: string; action: 'running'; detail: string }
  | { subscriptionId: string; action: 'ended'; detail: string }
  | { subscriptionId: string; action: 'restarted'; detail: string }
  | { subscriptionId: string; action: 'removed'; detail: string }
  | { subscriptionId: string; action: 'needs_hand'; detail: string };

/** Longer than any create waits for its workflow to open: a younger unstarted row may belong to a create still running. */
const UNSTARTED_GRACE_MS = 60 * 60 * 1000;

/**
 * A row whose workflow never committed a transition: its create failed after writing it (the caller was answered
 * with an error, nothing was billed). Starting it would bill a subscription its customer was told had failed, so
 * it is removed instead, with its coupon redemption; a retry of the create with the same Idempotency-Key creates it
 * again under the same id.
 */
async function unstarted(
  em: EntityManager,
  row: Subscription,
  status: string | null,
): Promise<ReconcileOutcome> {
  const subscriptionId = row.id;
  if (Date.now() - row.createdAt.getTime() < UNSTARTED_GRACE_MS) {
    return {
      subscriptionId,
      action: 'needs_hand',
      detail: `its workflow is ${status ?? 'gone'} and never began; its create may still be running, so it is left for an hour`,
    };
  }
  const removed = await removeUnstartedSubscription(em, subscriptionId);
  return removed
    ? {
        subscriptionId,
        action: 'removed',
        detail: `its workflow is ${status ?? 'gone'} and never began: its create failed, so the row and its coupon redemption were removed`,
      }
    : {
        subscriptionId,
        action: 'needs_hand',
        detail: 'it committed a transition while being reconciled; run again',
      };
}

/**
 * The clock the restarted run lives on: the customer's test clock (its current frozen time), else the clock the last
 * run was started with (a test clock stays a test clock), else real time.
 */
async function clockOf(
  em: EntityManager,
  customerId: string,
  lastRun: ClockState | null,
): Promise<ClockState> {
  const customer = await em.findOneOrFail(Customer, customerId);
  if (customer.testClockId) {
    const clock = await em.findOneOrFail(TestClock, customer.testClockId);
    return { kind: 'test', frozenTime: clock.frozenTime.toISOString() };
  }
  return lastRun ?? { kind: 'real' };
}

/** The clock in the input the workflow's latest run was started with. */
async function lastRunClock(client: Client, workflowId: string): Promise<ClockState | null> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) return null;
    const input = defaultPayloadConverter.fromPayload<{ clock?: ClockState }>(payload);
    return input.clock ?? null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/**
 * Puts a subscription's workflow and its read model back in step. A workflow that still runs is left alone (it is
 * the source of truth and re-commits with its next transition). One that an operator terminated (or that failed)
 * while the read model says the subscription is alive is started again, same workflow id, from the state it last
 * committed: nothing is billed twice, because every invoice and charge is keyed by period and attempt, and the new
 * run's event keys continue after the last one recorded.
 */
export async function reconcileSubscription(
  deps: { em: EntityManager; client: Client; taskQueue: string },
  subscriptionId: string,
): Promise<ReconcileOutcome> {
  const { em, client } = deps;
  const row = await em.findOne(Subscription, subscriptionId, { refresh: true });
  if (!row) return { subscriptionId, action: 'needs_hand', detail: 'no such subscription' };
  const handle = client.workflow.getHandle(row.workflowId);
  let status: string | null = null;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  if (status === 'RUNNING') return { subscriptionId, action: 'running', detail: 'its workflow runs' };
  const state = row.state;
  if (row.status === 'canceled' || row.status === 'ended' || (state && isFinal(state.status))) {
    return { subscriptionId, action: 'ended', detail: `the subscription is ${row.status}; nothing to run` };
  }
  if (!state || state.schemaVersion !== STATE_SCHEMA_VERSION) {
    return {
      subscriptionId,
      action: 'needs_hand',
      detail: `its workflow is ${status ?? 'gone'} and its read model holds no committed state to restart from`,
    };
  }
  const eventSeq = await lastEventSequence(em, subscriptionId);
  if (eventSeq === 0) return unstarted(em, row, status);
  const input: LifecycleInput = {
    schemaVersion: STATE_SCHEMA_VERSION,
    state,
    clock: await clockOf(em, state.customerId, await lastRunClock(client, row.workflowId)),
    opened: true,
    eventSeq,
  };
  const base = state.items.find((item) => !item.metered && !item.addOn) ?? state.items[0];
  await client.workflow.start(subscriptionLifecycleWorkflow, {
    workflowId: row.workflowId,
    taskQueue: deps.taskQueue,
    args: [input],
    typedSearchAttributes: [
      { key: CustomerIdKey, value: state.customerId },
      { key: PlanIdKey, value: base?.planId ?? '' },
      { key: SubscriptionStatusKey, value: state.status },
      ...(state.testClockId ? [{ key: TestClockIdKey, value: state.testClockId }] : []),
    ],
    staticSummary: `Subscription ${subscriptionId} (restarted from its committed state)`,
  });
  return {
    subscriptionId,
    action: 'restarted',
    detail: `its workflow was ${status ?? 'gone'}; started again from the state committed at period ${state.periodIndex}`,
  };
}

/** Every subscription the read model holds as alive, reconciled one by one. */
export async function reconcileAll(deps: {
  em: EntityManager;
  client: Client;
  taskQueue: string;
}): Promise<ReconcileOutcome[]> {
  const alive = await deps.em.find(
    Subscription,
    { status: { $nin: ['canceled', 'ended'] } },
    { fields: ['id'], orderBy: { createdAt: 'asc' } },
  );
  const outcomes: ReconcileOutcome[] = [];
  for (const row of alive) outcomes.push(await reconcileSubscription(deps, row.id));
  return outcomes;
}
