import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { type Request, Router } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config';
import { Coupon, PaymentMethod, PlanPrice, SellerSettings, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import {
  listSubscriptionRows,
  readCustomerBalance,
  readSubscriptionRow,
  subscriptionInList,
  type SubscriptionReadRow,
} from '../../db/services/subscription-reads';
import { clockTimeForCustomer } from '../../db/services/test-clocks';
import { priceAmount } from '../../domain/pricing';
import { usageForPeriod } from '../../db/services/usage';
import {
  type ChangeRequest,
  clockNow,
  committedState,
  type ItemEdit,
  previewChange,
  sendCommand,
  SubscriptionCommandError,
} from '../../subscriptions/commands';
import { startSubscription, StartSubscriptionError } from '../../subscriptions/start';
import { changeCommandFor } from '../../subscriptions/commands';
import {
  applyCouponUpdate,
  cancelScheduledChangeUpdate,
  cancelUpdate,
  changeUpdate,
  getSubscriptionQuery,
  pauseUpdate,
  reactivateUpdate,
  removeDiscountUpdate,
  resumeUpdate,
  retryAttentionUpdate,
  type SubscriptionSnapshot,
  updatePaymentMethodUpdate,
} from '../../workflows/lifecycle/messages';
import { nextMoment, type SubscriptionItem, type SubscriptionState } from '../../workflows/lifecycle/state';
import { fromCommandRejection } from '../command-rejection';
import { AppError } from '../errors';
import { invalidCursor, listBody, pageOf } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema, prefixedId } from '../schemas/common';
import {
  addItemSchema,
  applyCouponSchema,
  cancelSubscriptionSchema,
  changePreviewResponseSchema,
  changeSubscriptionSchema,
  createSubscriptionSchema,
  emptyBodySchema,
  getSubscriptionQuerySchema,
  itemParamsSchema,
  listSubscriptionsQuerySchema,
  pauseSubscriptionSchema,
  removeItemSchema,
  subscriptionListSchema,
  subscriptionResponseSchema,
  type SubscriptionItemResponse,
  type SubscriptionResponse,
  updateItemSchema,
  updatePaymentMethodSchema,
  usageResponseSchema,
} from '../schemas/subscriptions';

const subscriptionParams = idParamsSchema('sub', 'a subscription');
const discountParams = z.strictObject({
  id: prefixedId('sub', 'a subscription'),
  coupon_id: prefixedId('co', 'a coupon'),
});
const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

const noSuchSubscription = (id: string) =>
  new AppError('not_found', 'resource_missing', `No such subscription: ${id}`, 'id');

type WithoutBalance = Omit<SubscriptionResponse, 'customer_balance'>;

function serializeItem(item: SubscriptionItem): SubscriptionItemResponse {
  return {
    id: item.id,
    object: 'subscription_item',
    plan_id: item.planId,
    name: item.name,
    quantity: item.quantity,
    amount: item.amount,
    metered: item.metered,
    add_on: item.addOn,
    interval: item.interval.unit,
    interval_count: item.interval.count,
    setup_fee_due: Boolean(item.setupFeeDue),
  };
}

const baseItem = (items: readonly SubscriptionItem[]) =>
  items.find((item) => !item.metered && !item.addOn) ?? items.find((item) => !item.metered) ?? items[0];

/** The subscription from a state of the current schema: the read model's copy, or the running workflow's own. */
function fromState(state: SubscriptionState, live: boolean): WithoutBalance {
  const base = baseItem(state.items);
  const scheduledBase = state.scheduledChange ? baseItem(state.scheduledChange.items) : undefined;
  const next = nextMoment(state);
  return {
    id: state.subscriptionId,
    object: 'subscription',
    customer_id: state.customerId,
    plan_id: base?.planId ?? '',
    status: state.status === 'incomplete_expired' ? 'ended' : state.status,
    quantity: base?.quantity ?? 0,
    items: state.items.map(serializeItem),
    currency: state.currency,
    interval: state.interval.unit,
    interval_count: state.interval.count,
    billing_cycle_anchor: state.anchor,
    time_zone: state.timeZone,
    current_period_start: state.period.start,
    current_period_end: state.period.end,
    trial_end: state.trialEnd,
    cancel_at_period_end: state.cancelAtPeriodEnd,
    canceled_at: state.canceledAt,
    cancellation_reason: state.cancelReason,
    pause: state.pause ? { since: state.pause.since, resumes_at: state.pause.resumesAt } : null,
    pause_at_period_end: state.pauseAtPeriodEnd ? { resumes_at: state.pauseAtPeriodEnd.resumesAt } : null,
    scheduled_change: state.scheduledChange
      ? {
          plan_id: scheduledBase?.planId ?? '',
          quantity: scheduledBase?.quantity ?? 0,
          items: state.scheduledChange.items.map(serializeItem),
        }
      : null,
    past_due: state.dunning
      ? {
          invoice_id: state.dunning.invoiceId,
          failed_attempts: state.dunning.failedAttempts,
          next_retry_at: state.dunning.nextRetryAt,
          hard_decline: state.dunning.hardDecline,
        }
      : null,
    needs_attention: state.attention
      ? { code: state.attention.code, message: state.attention.message, since: state.attention.since }
      : null,
    coupon_ids: state.couponIds,
    payment_method_id: state.paymentMethodId,
    next_action: next ? { type: next.kind, at: next.at } : null,
    live,
  };
}

/** A subscription whose workflow predates the item model: its read model row, field by field. */
function fromLegacyRow(row: Subscription): WithoutBalance {
  const interval = { unit: row.plan.intervalUnit, count: row.plan.intervalCount };
  return {
    id: row.id,
    object: 'subscription',
    customer_id: row.customer.id,
    plan_id: row.plan.id,
    status: row.status,
    quantity: row.quantity,
    items: [],
    currency: row.currency,
    interval: interval.unit,
    interval_count: interval.count,
    billing_cycle_anchor: row.billingAnchor.toISOString(),
    time_zone: row.timeZone,
    current_period_start: row.currentPeriodStart.toISOString(),
    current_period_end: row.currentPeriodEnd.toISOString(),
    trial_end: iso(row.trialEnd),
    cancel_at_period_end: row.cancelAtPeriodEnd,
    canceled_at: iso(row.canceledAt),
    cancellation_reason: row.cancellationReason ?? null,
    pause: row.pausedAt ? { since: row.pausedAt.toISOString(), resumes_at: iso(row.resumeAt) } : null,
    pause_at_period_end: row.pauseAtPeriodEnd ? { resumes_at: null } : null,
    scheduled_change: null,
    past_due: null,
    needs_attention: null,
    coupon_ids: [],
    payment_method_id: null,
    next_action: null,
    live: false,
  };
}

/** A customer's balance as the API shows it beside a subscription: minor units, its currency once it has one. */
const balanceOf = (row: Pick<SubscriptionReadRow, 'balance' | 'balance_currency'>) => ({
  amount: Number(row.balance),
  currency: row.balance_currency,
});

const fromRow = (row: Subscription): WithoutBalance =>
  row.state?.schemaVersion === 2 ? fromState(row.state, false) : fromLegacyRow(row);

function toAppError(error: unknown, id: string): unknown {
  if (error instanceof SubscriptionCommandError) {
    const type =
      error.kind === 'not_found' ? 'not_found' : error.kind === 'conflict' ? 'conflict' : 'unprocessable';
    return new AppError(type, error.code, error.message, error.param);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new AppError(
      'conflict',
      'subscription_ended',
      `Subscription ${id} has ended and accepts no changes`,
    );
  }
  return fromCommandRejection(error, 'invalid_state');
}

/** The request's Idempotency-Key as a hex digest, scoped to the caller, method and path; null without a key. */
function idempotencyDigest(req: Request): string | null {
  const key = req.header('idempotency-key');
  if (!key) return null;
  const caller = req.header('authorization') ?? '';
  return createHash('sha256').update(`${caller}\n${key}\n${req.method} ${req.path}`).digest('hex');
}

/**
 * Temporal deduplicates updates by id: a client's retry with the same Idempotency-Key never runs a command twice,
 * and the API's own retry of an update that was not admitted (see `withUpdateRetries`) reuses the request's id.
 */
function updateIdFor(req: Request): string {
  return idempotencyDigest(req)?.slice(0, 40) ?? randomUUID();
}

/**
 * A create with an Idempotency-Key names its subscription after the key, so a retry after an error whose outcome the
 * client could not know (a timeout, a 5xx after the row was written) resumes the same subscription instead of
 * creating a second one.
 */
function subscriptionIdFor(req: Request): string | undefined {
  const digest = idempotencyDigest(req);
  return digest ? `sub_${digest.slice(0, 24)}` : undefined;
}

type ChangeBody = { timing?: ChangeRequest['timing']; proration_behavior?: ChangeRequest['proration'] };
const changeOptions = (body: ChangeBody) => ({
  ...(body.timing ? { timing: body.timing } : {}),
  ...(body.proration_behavior ? { proration: body.proration_behavior } : {}),
});

export function subscriptionsRouter(
  orm: Orm,
  client: Client,
  registry: RouteRegistry,
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>,
): Router {
  const router = Router();
  const deps = { orm, client };

  async function readModel(id: string): Promise<Subscription> {
    const row = await orm.em.fork().findOne(Subscription, id, { populate: ['plan'] });
    if (!row) throw noSuchSubscription(id);
    return row;
  }

  /**
   * The hot read: the committed state and the customer's balance in one query, without hydrating entities (the
   * ORM's share of a get was most of its CPU). Null for a legacy row without state, which takes the entity path.
   */
  async function readCommitted(id: string): Promise<SubscriptionResponse | null> {
    const row = await readSubscriptionRow(orm, id);
    if (!row) throw noSuchSubscription(id);
    if (row.state?.schemaVersion !== 2) return null;
    return { ...fromState(row.state, false), customer_balance: balanceOf(row) };
  }

  /** The balance lives with the customer in PostgreSQL, not in the workflow. */
  async function withBalance(subscription: WithoutBalance): Promise<SubscriptionResponse> {
    const balance = await readCustomerBalance(orm, subscription.customer_id);
    if (!balance) {
      throw new AppError('not_found', 'resource_missing', `No such customer: ${subscription.customer_id}`);
    }
    return { ...subscription, customer_balance: balanceOf(balance) };
  }

  async function command(
    req: Request,
    id: string,
    send: (
      handle: WorkflowHandle,
      state: SubscriptionState,
      updateId: string | undefined,
    ) => Promise<SubscriptionSnapshot>,
  ): Promise<SubscriptionResponse> {
    // The plain row: a command needs only its workflow and committed state, not the hydrated entity.
    const row = await readSubscriptionRow(orm, id);
    if (!row) throw noSuchSubscription(id);
    const target = { id: row.id, workflowId: row.workflow_id, state: row.state };
    const updateId = updateIdFor(req);
    try {
      const snapshot = await sendCommand(deps, target, (handle, state) => send(handle, state, updateId));
      return await withBalance(fromState(snapshot.state, true));
    } catch (error) {
      throw toAppError(error, id);
    }
  }

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/subscriptions',
      operationId: 'createSubscription',
      summary: 'Create a subscription',
      description:
        'Starts the subscription’s workflow with its items (a base plan, add-ons, metered plans; or the ' +
        '`plan_id` shorthand for one item); it begins a trial or invoices and charges the first period (with the ' +
        'setup fees and the coupon given here). With an `Idempotency-Key` the subscription’s id derives from the ' +
        'key: a retry after an error or a timeout resumes the same subscription and never creates a second one; ' +
        'the key with another customer, currency or items is a 409 `idempotency_key_reused`. A create whose ' +
        'workflow could not start removes what it wrote before it answers with the error.',
      tag: 'Subscriptions',
      body: createSubscriptionSchema,
      response: subscriptionResponseSchema,
      status: 201,
      errors: [400, 404, 409, 422],
    },
    async ({ body, req }) => {
      const em = orm.em.fork();
      const currency = body.currency ?? (await em.findOne(SellerSettings, 1))?.defaultCurrency;
      if (!currency) {
        throw new AppError(
          'invalid_request_error',
          'currency_required',
          'currency: required until settings exist',
          'currency',
        );
      }
      const coupon = body.coupon === undefined ? null : await em.findOne(Coupon, { code: body.coupon });
      if (body.coupon !== undefined && !coupon) {
        throw new AppError('not_found', 'resource_missing', `No such coupon: ${body.coupon}`, 'coupon');
      }
      const paymentMethodId =
        body.payment_method_id ??
        (await em.findOne(PaymentMethod, { customer: body.customer_id, isDefault: true, detachedAt: null }))
          ?.id ??
        null;
      const items = body.items
        ? body.items.map((item) => ({
            planId: item.plan_id,
            ...(item.quantity ? { quantity: item.quantity } : {}),
          }))
        : [{ planId: body.plan_id as string, ...(body.quantity ? { quantity: body.quantity } : {}) }];
      try {
        const started = await startSubscription(
          { em, client, taskQueue: config.TEMPORAL_TASK_QUEUE },
          {
            customerId: body.customer_id,
            items,
            currency,
            trialDays: body.trial_days,
            paymentMethodId,
            timeZone: body.time_zone,
            trialEndWithoutPaymentMethod: body.trial_end_behavior,
            ...(coupon ? { couponId: coupon.id } : {}),
            testClockTime: await clockTimeForCustomer(em, body.customer_id),
            subscriptionId: subscriptionIdFor(req),
            awaitOpening: true,
          },
        );
        // Like Stripe, answer once the first invoice has been charged (or the trial has begun), so the status is final.
        if (started.snapshot) return await withBalance(fromState(started.snapshot.state, true));
        // A retry of a create that began long ago: what it committed since.
        const committed = await readCommitted(started.subscriptionId);
        if (committed) return committed;
        const snapshot = await client.workflow.getHandle(started.workflowId).query(getSubscriptionQuery);
        return await withBalance(fromState(snapshot.state, true));
      } catch (error) {
        if (error instanceof StartSubscriptionError && error.code === 'subscription_id_reused') {
          throw new AppError(
            'conflict',
            'idempotency_key_reused',
            'This Idempotency-Key already created a subscription for another customer, currency or items; use a new key',
            'Idempotency-Key',
          );
        }
        if (error instanceof StartSubscriptionError) {
          const param =
            body.plan_id !== undefined && error.param.startsWith('items') ? 'plan_id' : error.param;
          throw error.code === 'customer_not_found' || error.code === 'plan_not_found'
            ? new AppError('not_found', error.code, error.message, param)
            : new AppError('unprocessable', error.code, error.message, param);
        }
        throw error;
      }
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/subscriptions',
      operationId: 'listSubscriptions',
      summary: 'List subscriptions from the read model, oldest first',
      tag: 'Subscriptions',
      query: listSubscriptionsQuerySchema,
      response: subscriptionListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const filter = { status: query.status, customerId: query.customer_id, planId: query.plan_id };
      if (
        query.starting_after !== undefined &&
        !(await subscriptionInList(orm, filter, query.starting_after))
      ) {
        throw invalidCursor(query.starting_after);
      }
      // Plain rows in one statement, not entities: a listed subscription is its committed state (the ORM's
      // hydration was most of the list's CPU). Only a legacy row without state is loaded as an entity, with its plan.
      const page = pageOf(
        await listSubscriptionRows(orm, filter, { limit: query.limit, startingAfter: query.starting_after }),
        query.limit,
      );
      const legacyIds = page.items.filter((row) => row.state?.schemaVersion !== 2).map((row) => row.id);
      const legacy = new Map(
        (legacyIds.length
          ? await orm.em.fork().find(Subscription, { id: { $in: legacyIds } }, { populate: ['plan'] })
          : []
        ).map((row) => [row.id, row]),
      );
      const legacyBody = (id: string) => {
        const entity = legacy.get(id);
        if (!entity) throw noSuchSubscription(id);
        return fromLegacyRow(entity);
      };
      return listBody(page, (row) => ({
        ...(row.state?.schemaVersion === 2 ? fromState(row.state, false) : legacyBody(row.id)),
        customer_balance: balanceOf(row),
      }));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/subscriptions/:id',
      operationId: 'getSubscription',
      summary: 'Retrieve a subscription',
      description:
        'Answered from the read model, which every committed transition of the workflow writes in the same ' +
        'transaction as its events; `?live=true` asks the running workflow instead.',
      tag: 'Subscriptions',
      params: subscriptionParams,
      query: getSubscriptionQuerySchema,
      response: subscriptionResponseSchema,
      errors: [400, 404],
    },
    async ({ params, query }) => {
      if (query.live !== 'true') {
        const committed = await readCommitted(params.id);
        if (committed) return committed;
      }
      const row = await readModel(params.id);
      if (query.live === 'true') {
        try {
          const snapshot = await client.workflow.getHandle(row.workflowId).query(getSubscriptionQuery);
          if (snapshot.state.schemaVersion === 2) return withBalance(fromState(snapshot.state, true));
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }
      return withBalance(fromRow(row));
    },
  );

  const action = <S extends z.ZodType, P extends z.ZodType = typeof subscriptionParams>(spec: {
    path: string;
    method?: 'post' | 'delete';
    operationId: string;
    summary: string;
    description?: string;
    body?: S;
    query?: S;
    params?: P;
    send: (
      handle: WorkflowHandle,
      input: {
        body: z.output<S>;
        params: z.output<P>;
        state: SubscriptionState;
        updateId: string | undefined;
      },
    ) => Promise<SubscriptionSnapshot>;
  }) =>
    defineRoute(
      router,
      registry,
      {
        method: spec.method ?? 'post',
        path: `/subscriptions/:id/${spec.path}`,
        operationId: spec.operationId,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tag: 'Subscriptions',
        params: (spec.params ?? subscriptionParams) as P,
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        response: subscriptionResponseSchema,
        errors: [400, 404, 409, 422],
      },
      async ({ req, params, body, query }) => {
        const typedParams = params as unknown as z.output<P> & { id: string };
        return command(req, typedParams.id, (handle, state, updateId) =>
          spec.send(handle, {
            body: (spec.body ? body : query) as z.output<S>,
            params: typedParams,
            state,
            updateId,
          }),
        );
      },
    );

  const opts = (updateId: string | undefined) => (updateId ? { updateId } : {});

  action({
    path: 'cancel',
    operationId: 'cancelSubscription',
    summary: 'Cancel at period end (undoable) or immediately',
    description:
      'A metered subscription gets a final invoice for the usage of its last (partial) period. Immediately, the ' +
      'unused part of a paid period is refunded, credited or forfeited (`unused`).',
    body: cancelSubscriptionSchema,
    send: (handle, { body, updateId }) =>
      handle.executeUpdate(cancelUpdate, {
        args: [{ at: body.at, unused: body.unused, reason: body.reason }],
        ...opts(updateId),
      }),
  });
  action({
    path: 'reactivate',
    operationId: 'reactivateSubscription',
    summary: 'Undo a scheduled cancellation',
    body: emptyBodySchema,
    send: (handle, { updateId }) => handle.executeUpdate(reactivateUpdate, { args: [], ...opts(updateId) }),
  });
  action({
    path: 'pause',
    operationId: 'pauseSubscription',
    summary: 'Pause now or at period end, optionally until a date',
    body: pauseSubscriptionSchema,
    send: (handle, { body, updateId }) =>
      handle.executeUpdate(pauseUpdate, {
        args: [{ at: body.at, resumesAt: body.resumes_at ?? null }],
        ...opts(updateId),
      }),
  });
  action({
    path: 'resume',
    operationId: 'resumeSubscription',
    summary: 'Resume a paused subscription; a new period starts now',
    body: emptyBodySchema,
    send: (handle, { updateId }) => handle.executeUpdate(resumeUpdate, { args: [], ...opts(updateId) }),
  });
  action({
    path: 'retry',
    operationId: 'retrySubscription',
    summary: 'Try again what stopped a subscription that needs attention',
    description: 'After the data a renewal stopped on has been fixed (see `needs_attention`).',
    body: emptyBodySchema,
    send: (handle, { updateId }) =>
      handle.executeUpdate(retryAttentionUpdate, { args: [], ...opts(updateId) }),
  });

  /** A change of items, from the caller's edits priced against the state it acts on. */
  const change =
    (edits: (body: never, params: { id: string; item_id?: string }) => ItemEdit[]) =>
    async (
      handle: WorkflowHandle,
      input: {
        body: ChangeBody;
        params: { id: string; item_id?: string };
        state: SubscriptionState;
        updateId?: string;
      },
    ) => {
      const command = await changeCommandFor(orm.em.fork(), input.state, {
        edits: edits(input.body as never, input.params),
        shorthand: true,
        ...changeOptions(input.body),
      });
      return handle.executeUpdate(changeUpdate, { args: [command], ...opts(input.updateId) });
    };

  const changeEdits = (
    body: z.output<typeof changeSubscriptionSchema>,
    state: Pick<SubscriptionState, 'items'> | null,
  ): ItemEdit[] => {
    if (body.items) {
      return body.items.map((edit) => ({
        ...(edit.id ? { id: edit.id } : {}),
        ...(edit.plan_id ? { planId: edit.plan_id } : {}),
        ...(edit.quantity ? { quantity: edit.quantity } : {}),
        ...(edit.deleted ? { deleted: true } : {}),
      }));
    }
    const base = state ? baseItem(state.items) : undefined;
    return [
      {
        ...(base ? { id: base.id } : {}),
        ...(body.plan_id ? { planId: body.plan_id } : {}),
        ...(body.quantity ? { quantity: body.quantity } : {}),
      },
    ];
  };

  action({
    path: 'change',
    operationId: 'changeSubscription',
    summary: 'Change items: an upgrade now with proration, a downgrade at period end, unless told',
    description:
      '`plan_id`/`quantity` change the base item; `items` edits several at once (add, change, delete). A change ' +
      'to another billing interval takes effect now: the anchor moves, the unused time is credited and the new ' +
      'period is invoiced in full.',
    body: changeSubscriptionSchema,
    send: async (handle, { body, state, updateId }) => {
      const command = await changeCommandFor(orm.em.fork(), state, {
        edits: changeEdits(body, state),
        shorthand: body.items === undefined,
        ...changeOptions(body),
      });
      return handle.executeUpdate(changeUpdate, { args: [command], ...opts(updateId) });
    },
  });
  action({
    path: 'items',
    operationId: 'addSubscriptionItem',
    summary: 'Add an item (an add-on, a metered plan) with the same timing and proration options as a change',
    body: addItemSchema,
    send: change((body: z.output<typeof addItemSchema>) => [
      { planId: body.plan_id, ...(body.quantity ? { quantity: body.quantity } : {}) },
    ]),
  });
  const preview = <S extends z.ZodType, P extends z.ZodType>(spec: {
    path: string;
    operationId: string;
    summary: string;
    params: P;
    body: S;
    edits: (body: z.output<S>, params: z.output<P>, state: SubscriptionState) => ItemEdit[];
    /** Edits given by top-level fields: errors name `plan_id`, `quantity`. */
    shorthand?: (body: z.output<S>) => boolean;
  }) =>
    defineRoute(
      router,
      registry,
      {
        method: 'post',
        path: `/subscriptions/:id/${spec.path}`,
        operationId: spec.operationId,
        summary: spec.summary,
        description:
          'The exact lines (before discounts and tax) the change would invoice now, computed at the ' +
          'subscription’s current time (its test clock’s) by the same code the change runs, changing nothing. A ' +
          'change at period end, during a trial or without proration has no lines.',
        tag: 'Subscriptions',
        params: spec.params,
        body: spec.body,
        response: changePreviewResponseSchema,
        errors: [400, 404, 409, 422],
      },
      async ({ params, body }) => {
        const typed = params as unknown as z.output<P> & { id: string };
        const row = await readModel(typed.id);
        try {
          const state = await committedState(deps, row);
          const parsed = body as z.output<S> & ChangeBody;
          const result = await previewChange(deps, row, {
            edits: spec.edits(parsed, typed, state),
            shorthand: spec.shorthand?.(parsed) ?? true,
            ...changeOptions(parsed),
          });
          const base = baseItem(result.items);
          return {
            object: 'subscription_change_preview' as const,
            subscription_id: typed.id,
            plan_id: base?.planId ?? '',
            quantity: base?.quantity ?? 0,
            items: result.items.map(serializeItem),
            currency: state.currency,
            timing: result.timing,
            proration_behavior: result.proration,
            effective_at: result.effectiveAt,
            invoice_now: result.invoiceNow,
            lines: result.lines.map((line) => ({
              kind: line.kind as 'proration',
              description: line.description,
              amount: line.amount,
              quantity: line.quantity,
              item_id: line.itemId,
              period_start: line.periodStart,
              period_end: line.periodEnd,
            })),
            total: result.total,
          };
        } catch (error) {
          throw toAppError(error, typed.id);
        }
      },
    );

  preview({
    path: 'change/preview',
    operationId: 'previewSubscriptionChange',
    summary: 'Preview a change: its exact proration lines, without changing anything',
    params: subscriptionParams,
    body: changeSubscriptionSchema,
    edits: (body, _params, state) => changeEdits(body, state),
    shorthand: (body) => body.items === undefined,
  });
  preview({
    path: 'items/preview',
    operationId: 'previewAddSubscriptionItem',
    summary: 'Preview adding an item',
    params: subscriptionParams,
    body: addItemSchema,
    edits: (body) => [{ planId: body.plan_id, ...(body.quantity ? { quantity: body.quantity } : {}) }],
  });
  preview({
    path: 'items/:item_id/preview',
    operationId: 'previewUpdateSubscriptionItem',
    summary: 'Preview changing an item',
    params: itemParamsSchema,
    body: updateItemSchema,
    edits: (body, params) => [
      {
        id: params.item_id,
        ...(body.plan_id ? { planId: body.plan_id } : {}),
        ...(body.quantity ? { quantity: body.quantity } : {}),
      },
    ],
  });
  preview({
    path: 'items/:item_id/remove/preview',
    operationId: 'previewRemoveSubscriptionItem',
    summary: 'Preview removing an item',
    params: itemParamsSchema,
    body: removeItemSchema,
    edits: (_body, params) => [{ id: params.item_id, deleted: true }],
  });

  // After the previews: `items/preview` would otherwise be read as an item id.
  action({
    path: 'items/:item_id',
    operationId: 'updateSubscriptionItem',
    summary: "Change an item's plan or quantity",
    params: itemParamsSchema,
    body: updateItemSchema,
    send: change((body: z.output<typeof updateItemSchema>, params) => [
      {
        id: params.item_id as string,
        ...(body.plan_id ? { planId: body.plan_id } : {}),
        ...(body.quantity ? { quantity: body.quantity } : {}),
      },
    ]),
  });
  action({
    path: 'items/:item_id',
    method: 'delete',
    operationId: 'removeSubscriptionItem',
    summary: 'Remove an item; `timing` and `proration_behavior` as query parameters',
    params: itemParamsSchema,
    query: removeItemSchema,
    send: change((_body: never, params) => [{ id: params.item_id as string, deleted: true }]),
  });

  action({
    path: 'change/cancel',
    operationId: 'cancelScheduledChange',
    summary: 'Drop a change scheduled for the period end',
    body: emptyBodySchema,
    send: (handle, { updateId }) =>
      handle.executeUpdate(cancelScheduledChangeUpdate, { args: [], ...opts(updateId) }),
  });
  action({
    path: 'coupon',
    operationId: 'applyCoupon',
    summary: 'Apply a coupon; its discount starts with the next invoice',
    body: applyCouponSchema,
    send: async (handle, { body, updateId }) => {
      const coupon = await orm.em.fork().findOne(Coupon, { code: body.coupon });
      if (!coupon)
        throw new AppError('not_found', 'resource_missing', `No such coupon: ${body.coupon}`, 'coupon');
      return handle.executeUpdate(applyCouponUpdate, { args: [{ couponId: coupon.id }], ...opts(updateId) });
    },
  });
  action({
    path: 'discounts/:coupon_id',
    method: 'delete',
    operationId: 'removeSubscriptionDiscount',
    summary: "Remove a coupon's discount from the next invoice on",
    params: discountParams,
    send: (handle, { params, updateId }) =>
      handle.executeUpdate(removeDiscountUpdate, {
        args: [{ couponId: params.coupon_id }],
        ...opts(updateId),
      }),
  });
  action({
    path: 'payment_method',
    operationId: 'updateSubscriptionPaymentMethod',
    summary: 'Use another payment method; a past-due or unpaid invoice is charged at once',
    body: updatePaymentMethodSchema,
    send: async (handle, { body, state, updateId }) => {
      const method = await orm.em.fork().findOne(PaymentMethod, {
        id: body.payment_method_id,
        customer: state.customerId,
        detachedAt: null,
      });
      if (!method) {
        throw new AppError(
          'not_found',
          'resource_missing',
          `No such payment method: ${body.payment_method_id}`,
          'payment_method_id',
        );
      }
      return handle.executeUpdate(updatePaymentMethodUpdate, {
        args: [{ paymentMethodId: method.id }],
        ...opts(updateId),
      });
    },
  });

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/subscriptions/:id/usage',
      operationId: 'getSubscriptionUsage',
      summary: 'The usage not invoiced yet and what it would invoice',
      description:
        "Each metered item's meter aggregated since the last invoice up to the subscription's current time, " +
        'priced by its plan (before discounts and tax).',
      tag: 'Subscriptions',
      params: subscriptionParams,
      response: usageResponseSchema,
      errors: [404, 409],
    },
    async ({ params }) => {
      const row = await readModel(params.id);
      const em = orm.em.fork();
      let state: SubscriptionState;
      try {
        state = await committedState(deps, row);
      } catch (error) {
        throw toAppError(error, params.id);
      }
      const until = new Date(await clockNow(em, state.customerId)).toISOString();
      const items = [];
      for (const item of state.items.filter((candidate) => candidate.metered)) {
        const price = await em.findOne(
          PlanPrice,
          { plan: item.planId, currency: state.currency },
          { populate: ['plan'] },
        );
        const meterId = price?.plan.meter?.id;
        if (!price || !meterId) continue;
        const quantity =
          Date.parse(until) > Date.parse(state.usageFrom)
            ? await usageForPeriod(em, {
                subscriptionId: state.subscriptionId,
                meterId,
                start: state.usageFrom,
                end: until,
              })
            : 0;
        const amount = priceAmount({ currency: price.currency, scheme: price.scheme }, quantity).amount;
        items.push({ item_id: item.id, plan_id: item.planId, meter_id: meterId, quantity, amount });
      }
      return {
        object: 'subscription_usage' as const,
        subscription_id: state.subscriptionId,
        currency: state.currency,
        period_start: state.usageFrom,
        period_end: until,
        items,
        total: items.reduce((sum, item) => sum + item.amount, 0),
      };
    },
  );

  return router;
}
