import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Client, ServiceError, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { periodBounds } from '../domain/calendar';
import { Customer, Subscription, TestClock } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { changeLines, periodLines } from '../activities/invoice-drafts';
import {
  type ChangeCommand,
  getSubscriptionQuery,
  type ItemOperation,
  type ProrationBehavior,
  type ChangeTiming,
  upgradeSchemaUpdate,
} from '../workflows/lifecycle/messages';
import { changeRule, isRefusal, resolveChange, type Refusal } from '../workflows/lifecycle/rules';
import {
  STATE_SCHEMA_VERSION,
  type SubscriptionItem,
  type SubscriptionState,
} from '../workflows/lifecycle/state';
import { ItemError, priceItems } from './items';

/**
 * The subscription commands as the API and the portal send them: the state they act on, the item edits priced from
 * the catalogue, the previews, and the one way a command reaches the workflow (serialized with a test clock's
 * advances). Every rule a command obeys lives in `src/workflows/lifecycle/rules.ts`.
 */

export interface CommandDeps {
  orm: Orm;
  client: Client;
}

export type CommandErrorKind = 'not_found' | 'conflict' | 'unprocessable';

/** Why a command or preview cannot be taken, named for the caller before anything reaches the workflow. */
export class SubscriptionCommandError extends Error {
  constructor(
    readonly kind: CommandErrorKind,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'SubscriptionCommandError';
  }
}

const fromRefusal = (refusal: Refusal) =>
  new SubscriptionCommandError(
    refusal.type === 'InvalidCommandArgument' ? 'unprocessable' : 'conflict',
    refusal.type === 'InvalidCommandArgument' ? 'invalid_command' : 'invalid_state',
    refusal.message,
  );

/** One edit of the items as a caller writes it (Stripe's `items` array): add without `id`, update, or delete. */
export interface ItemEdit {
  id?: string;
  planId?: string;
  quantity?: number;
  deleted?: boolean;
}

export interface ChangeRequest {
  edits: ItemEdit[];
  /** The edit came as the `plan_id`/`quantity` shorthand: errors name those fields, not `items.0.…`. */
  shorthand?: boolean;
  timing?: ChangeTiming;
  proration?: ProrationBehavior;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The state a command acts on: the committed state of a current run (the read model holds exactly it). A run started
 * before the item model is first asked to hand over to the current schema, which it does at once.
 */
/** What a command needs of the read model's row: the entity, or the plain row the API reads. */
export type CommandTarget = Pick<Subscription, 'id' | 'workflowId' | 'state'>;

export async function committedState(deps: CommandDeps, row: CommandTarget): Promise<SubscriptionState> {
  if (row.state?.schemaVersion === STATE_SCHEMA_VERSION) return row.state;
  const handle = deps.client.workflow.getHandle(row.workflowId);
  try {
    await handle.executeUpdate(upgradeSchemaUpdate, { args: [] });
    for (let tries = 0; tries < 100; tries++) {
      const snapshot = await handle.query(getSubscriptionQuery);
      if (snapshot.state.schemaVersion === STATE_SCHEMA_VERSION) return snapshot.state;
      await sleep(100);
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new SubscriptionCommandError(
        'conflict',
        'subscription_ended',
        `Subscription ${row.id} has ended`,
      );
    }
    throw error;
  }
  throw new SubscriptionCommandError(
    'conflict',
    'subscription_busy',
    `Subscription ${row.id} is moving to the current schema; retry in a moment`,
  );
}

/** The subscription's time: its test clock's frozen time, or now. */
export async function clockNow(em: EntityManager, customerId: string): Promise<number> {
  const customer = await em.findOne(Customer, customerId, { fields: ['testClockId'] });
  if (!customer?.testClockId) return Date.now();
  const clock = await em.findOne(TestClock, customer.testClockId, { fields: ['frozenTime'] });
  return clock ? clock.frozenTime.getTime() : Date.now();
}

function itemError(error: unknown): never {
  if (error instanceof ItemError) {
    throw new SubscriptionCommandError(
      error.code === 'plan_not_found' ? 'not_found' : 'unprocessable',
      error.code,
      error.message,
      error.param,
    );
  }
  throw error;
}

/**
 * Turns a caller's item edits into the workflow's operations, each new or changed item priced from the catalogue.
 * `expectedPlanId` records the plan the caller's edit was made against, so a concurrent edit is refused, not lost.
 */
export async function changeCommandFor(
  em: EntityManager,
  state: SubscriptionState,
  request: ChangeRequest,
): Promise<ChangeCommand> {
  try {
    return await operationsFor(em, state, request);
  } catch (error) {
    // The shorthand's fields are top-level: `plan_id`, not `items.0.plan_id`.
    if (request.shorthand && error instanceof SubscriptionCommandError && error.param) {
      throw new SubscriptionCommandError(error.kind, error.code, error.message, error.param.split('.').pop());
    }
    throw error;
  }
}

async function operationsFor(
  em: EntityManager,
  state: SubscriptionState,
  request: ChangeRequest,
): Promise<ChangeCommand> {
  const operations: ItemOperation[] = [];
  for (const [index, edit] of request.edits.entries()) {
    const param = `items.${index}`;
    const current = edit.id === undefined ? undefined : state.items.find((item) => item.id === edit.id);
    if (edit.id !== undefined && !current) {
      throw new SubscriptionCommandError(
        'not_found',
        'resource_missing',
        `No such item: ${edit.id}`,
        `${param}.id`,
      );
    }
    if (edit.deleted) {
      if (!current) {
        throw new SubscriptionCommandError(
          'unprocessable',
          'invalid_command',
          'deleted needs an item id',
          `${param}.id`,
        );
      }
      operations.push({ op: 'remove', itemId: current.id, expectedPlanId: current.planId });
      continue;
    }
    const planId = edit.planId ?? current?.planId;
    if (!planId) {
      throw new SubscriptionCommandError(
        'unprocessable',
        'invalid_command',
        'plan_id is required',
        `${param}.plan_id`,
      );
    }
    let priced: SubscriptionItem;
    try {
      [priced] = (await priceItems(
        em,
        state.currency,
        [
          {
            planId,
            quantity: edit.quantity ?? current?.quantity ?? 1,
            ...(current ? { itemId: current.id } : {}),
          },
        ],
        // A subscription keeps an item on a plan that was deactivated since; moving to one is refused.
        { param, allowInactive: current?.planId === planId },
      )) as [SubscriptionItem];
    } catch (error) {
      itemError(error);
    }
    if (!current) {
      operations.push({ op: 'add', item: priced });
      continue;
    }
    // A setup fee is owed once per item, when the item is created; moving it to another plan owes none.
    operations.push({
      op: 'set',
      itemId: current.id,
      expectedPlanId: current.planId,
      item: { ...priced, setupFeeDue: Boolean(current.setupFeeDue) },
    });
  }
  return {
    operations,
    ...(request.timing ? { timing: request.timing } : {}),
    ...(request.proration ? { proration: request.proration } : {}),
  };
}

export interface PreviewLine {
  kind: string;
  description: string;
  amount: number;
  quantity: number;
  itemId: string | null;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface ChangePreview {
  items: SubscriptionItem[];
  timing: ChangeTiming;
  proration: ProrationBehavior;
  effectiveAt: string;
  invoiceNow: boolean;
  lines: PreviewLine[];
  total: number;
}

const toPreviewLine = (line: {
  kind: string;
  description: string;
  amount: { amount: number } | number;
  quantity?: number;
  itemId?: string;
  periodStart?: string;
  periodEnd?: string;
}): PreviewLine => ({
  kind: line.kind === 'proration_credit' || line.kind === 'proration_charge' ? 'proration' : line.kind,
  description: line.description,
  amount: typeof line.amount === 'number' ? line.amount : line.amount.amount,
  quantity: line.quantity ?? 1,
  itemId: line.itemId ?? null,
  periodStart: line.periodStart ?? null,
  periodEnd: line.periodEnd ?? null,
});

/**
 * The exact lines (before discounts and tax) a change would invoice now, from the same code the workflow's
 * activities invoice with, at the subscription's time (its test clock's), changing nothing. A change at period end,
 * during a trial, or without proration has no lines; `create_prorations` lines wait for the next invoice.
 */
export async function previewChange(
  deps: CommandDeps,
  row: Subscription,
  request: ChangeRequest,
): Promise<ChangePreview> {
  const em = deps.orm.em.fork();
  const state = await committedState(deps, row);
  const command = await changeCommandFor(em, state, request);
  const nowMs = await clockNow(em, state.customerId);
  const refusal = changeRule(state, nowMs, command);
  if (refusal) throw fromRefusal(refusal);
  const resolved = resolveChange(state, command);
  if (isRefusal(resolved)) throw fromRefusal(resolved);
  const at = new Date(nowMs).toISOString();
  const base = { items: resolved.items, timing: resolved.timing, proration: resolved.proration };
  if (resolved.timing === 'period_end') {
    return { ...base, effectiveAt: state.period.end, invoiceNow: false, lines: [], total: 0 };
  }
  if (state.status !== 'active') return { ...base, effectiveAt: at, invoiceNow: false, lines: [], total: 0 };
  let lines: PreviewLine[] = [];
  let invoiceNow = false;
  if (resolved.intervalChanged) {
    const period = periodBounds(at, resolved.interval, 0, state.timeZone);
    const built = await periodLines(
      em,
      {
        subscriptionId: state.subscriptionId,
        customerId: state.customerId,
        currency: state.currency,
        items: resolved.items,
        usageWindow:
          Date.parse(at) > Date.parse(state.usageFrom) ? { start: state.usageFrom, end: at } : null,
        credit: resolved.proration === 'none' ? null : { items: state.items, period: state.period, at },
        licensed: true,
      },
      period,
    );
    lines = built.lines.map(toPreviewLine);
    invoiceNow = true;
  } else if (resolved.proration !== 'none') {
    const built = await changeLines(em, {
      currency: state.currency,
      period: state.period,
      at,
      before: state.items,
      after: resolved.items,
    });
    lines = [
      ...built.lines.map(toPreviewLine),
      ...(resolved.proration === 'always_invoice' ? built.fees.map(toPreviewLine) : []),
    ];
    invoiceNow = resolved.proration === 'always_invoice' && lines.some((line) => line.amount !== 0);
  }
  return {
    ...base,
    effectiveAt: at,
    invoiceNow,
    lines,
    total: lines.reduce((sum, line) => sum + line.amount, 0),
  };
}

/**
 * Sends a command to the subscription's workflow. Under a test clock the clock's row is held (shared) until the
 * workflow has answered, and an advance takes it exclusively: a command and an advance sent together act in the
 * order they were accepted, never with the advance overtaking a command already on its way.
 */
export async function sendCommand<R>(
  deps: CommandDeps,
  row: CommandTarget,
  send: (handle: WorkflowHandle, state: SubscriptionState) => Promise<R>,
): Promise<R> {
  const state = await committedState(deps, row);
  const handle = deps.client.workflow.getHandle(row.workflowId);
  const deliver = () => withUpdateRetries(() => send(handle, state));
  if (!state.testClockId) return deliver();
  return deps.orm.em.fork().transactional(async (tx) => {
    await tx.findOne(TestClock, state.testClockId as string, { lockMode: LockMode.PESSIMISTIC_READ });
    return deliver();
  });
}

/**
 * An update that arrives while the workflow task it would join fails (typically a run continuing as new at that
 * moment: the server refuses the completion as `UnhandledCommand` and the update with it) was never admitted, so
 * sending it again is safe; callers pass a stable update id, so a repetition that does reach an admitted update is
 * answered with its outcome.
 */
export async function withUpdateRetries<R>(send: () => Promise<R>, attempts = 5): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= attempts || !updateNotAdmitted(error)) throw error;
      await sleep(50 * attempt);
    }
  }
}

function updateNotAdmitted(error: unknown): boolean {
  if (!(error instanceof ServiceError)) return false;
  const cause = error.cause as { code?: number; details?: string } | undefined;
  return cause?.code === FAILED_PRECONDITION && /workflow task failure/i.test(cause.details ?? '');
}

/** gRPC status of a request the server refused in the workflow's current state. */
const FAILED_PRECONDITION = 9;
