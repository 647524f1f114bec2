import type { EntityManager } from '@mikro-orm/postgresql';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Customer, Subscription, TestClock } from '../db/entities';
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
  | { subscriptionId: string; action: 'needs_hand'; detail: string };

/** The highest event sequence the subscription's workflow appended, so a restarted run's keys continue after it. */
async function lastEventSequence(em: EntityManager, subscriptionId: string): Promise<number> {
  const [row] = await em.getConnection().execute<{ seq: number | null }[]>(
    `select max(split_part(key, ':', 2)::int) as seq from events
     where subscription_id = ? and key ~ '^sub_[a-f0-9]+:[0-9]+$'`,
    [subscriptionId],
  );
  return Number(row?.seq ?? 0);
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
  const input: LifecycleInput = {
    schemaVersion: STATE_SCHEMA_VERSION,
    state,
    clock: await clockOf(em, state.customerId, await lastRunClock(client, row.workflowId)),
    opened: true,
    eventSeq: await lastEventSequence(em, subscriptionId),
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
