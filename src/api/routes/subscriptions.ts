import type { FilterQuery } from '@mikro-orm/core';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { Router } from 'express';
import type { z } from 'zod';
import type { Config } from '../../config';
import { Coupon, Customer, PaymentMethod, PlanPrice, SellerSettings, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { money } from '../../domain/money';
import { priceAmount } from '../../domain/pricing';
import { defaultTiming, previewChange } from '../../domain/proration';
import { clockTimeForCustomer } from '../../db/services/test-clocks';
import { startSubscription, StartSubscriptionError } from '../../subscriptions/start';
import {
  applyCouponUpdate,
  cancelScheduledChangeUpdate,
  cancelUpdate,
  changeUpdate,
  getSubscriptionQuery,
  pauseUpdate,
  reactivateUpdate,
  resumeUpdate,
  type SubscriptionSnapshot,
  updatePaymentMethodUpdate,
  type ChangeCommand,
} from '../../workflows/lifecycle/messages';
import { periodAmount, periodChargeDescription } from '../../workflows/lifecycle/state';
import { fromCommandRejection } from '../command-rejection';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  applyCouponSchema,
  cancelSubscriptionSchema,
  changePreviewResponseSchema,
  changeSubscriptionSchema,
  createSubscriptionSchema,
  emptyBodySchema,
  listSubscriptionsQuerySchema,
  pauseSubscriptionSchema,
  subscriptionListSchema,
  subscriptionResponseSchema,
  type SubscriptionResponse,
  updatePaymentMethodSchema,
} from '../schemas/subscriptions';

const subscriptionParams = idParamsSchema('sub', 'a subscription');
const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

const noSuchSubscription = (id: string) =>
  new AppError('not_found', 'resource_missing', `No such subscription: ${id}`, 'id');

type WithoutBalance = Omit<SubscriptionResponse, 'customer_balance'>;

function fromSnapshot(snapshot: SubscriptionSnapshot): WithoutBalance {
  const { state } = snapshot;
  return {
    id: state.subscriptionId,
    object: 'subscription',
    customer_id: state.customerId,
    plan_id: state.plan.planId,
    status: state.status === 'incomplete_expired' ? 'ended' : state.status,
    quantity: state.quantity,
    currency: state.currency,
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
      ? { plan_id: state.scheduledChange.plan.planId, quantity: state.scheduledChange.quantity }
      : null,
    past_due: state.dunning
      ? {
          invoice_id: state.dunning.invoiceId,
          failed_attempts: state.dunning.failedAttempts,
          next_retry_at: state.dunning.nextRetryAt,
        }
      : null,
    payment_method_id: state.paymentMethodId,
    next_action: snapshot.next ? { type: snapshot.next.kind, at: snapshot.next.at } : null,
    live: true,
  };
}

/** Lists, and subscriptions whose workflow has ended, are read from the projection the workflow keeps. */
function fromReadModel(row: Subscription): WithoutBalance {
  return {
    id: row.id,
    object: 'subscription',
    customer_id: row.customer.id,
    plan_id: row.plan.id,
    status: row.status,
    quantity: row.quantity,
    currency: row.currency,
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
    payment_method_id: null,
    next_action: null,
    live: false,
  };
}

function fromUpdateError(error: unknown, id: string): unknown {
  if (error instanceof WorkflowNotFoundError) {
    return new AppError(
      'conflict',
      'subscription_ended',
      `Subscription ${id} has ended and accepts no changes`,
    );
  }
  return fromCommandRejection(error, 'invalid_state');
}

const OPENING_WAIT_MS = 15_000;

async function settledSnapshot(handle: WorkflowHandle): Promise<SubscriptionSnapshot> {
  const deadline = Date.now() + OPENING_WAIT_MS;
  let snapshot = await handle.query(getSubscriptionQuery);
  while (!snapshot.caughtUp && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    snapshot = await handle.query(getSubscriptionQuery);
  }
  return snapshot;
}

export function subscriptionsRouter(
  orm: Orm,
  client: Client,
  registry: RouteRegistry,
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>,
): Router {
  const router = Router();

  async function readModel(id: string): Promise<Subscription> {
    const row = await orm.em.findOne(Subscription, id);
    if (!row) throw noSuchSubscription(id);
    return row;
  }

  /** The balance lives with the customer in PostgreSQL, not in the workflow. */
  async function withBalance(subscription: WithoutBalance): Promise<SubscriptionResponse> {
    const customer = await orm.em.fork().findOneOrFail(Customer, subscription.customer_id);
    return {
      ...subscription,
      customer_balance: { amount: customer.balance, currency: customer.balanceCurrency ?? null },
    };
  }

  async function current(id: string): Promise<SubscriptionResponse> {
    const row = await readModel(id);
    try {
      return await withBalance(
        fromSnapshot(await client.workflow.getHandle(row.workflowId).query(getSubscriptionQuery)),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return withBalance(fromReadModel(row));
      throw error;
    }
  }

  async function command(
    id: string,
    send: (handle: WorkflowHandle) => Promise<SubscriptionSnapshot>,
  ): Promise<SubscriptionResponse> {
    const row = await readModel(id);
    try {
      return await withBalance(fromSnapshot(await send(client.workflow.getHandle(row.workflowId))));
    } catch (error) {
      throw fromUpdateError(error, id);
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
        'Starts the subscription’s workflow; it begins a trial or invoices and charges the first period.',
      tag: 'Subscriptions',
      body: createSubscriptionSchema,
      response: subscriptionResponseSchema,
      status: 201,
      errors: [400, 404, 422],
    },
    async ({ body }) => {
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
      const paymentMethodId =
        body.payment_method_id ??
        (await em.findOne(PaymentMethod, { customer: body.customer_id, isDefault: true, detachedAt: null }))
          ?.id ??
        null;
      try {
        const started = await startSubscription(
          { em, client, taskQueue: config.TEMPORAL_TASK_QUEUE },
          {
            customerId: body.customer_id,
            planId: body.plan_id,
            currency,
            quantity: body.quantity,
            trialDays: body.trial_days,
            paymentMethodId,
            timeZone: body.time_zone,
            trialEndWithoutPaymentMethod: body.trial_end_behavior,
            testClockTime: await clockTimeForCustomer(em, body.customer_id),
          },
        );
        // Like Stripe, answer once the first invoice has been charged (or the trial has begun), so the status is final.
        return await withBalance(
          fromSnapshot(await settledSnapshot(client.workflow.getHandle(started.workflowId))),
        );
      } catch (error) {
        if (error instanceof StartSubscriptionError) {
          throw error.code === 'price_not_found'
            ? new AppError('unprocessable', error.code, error.message, error.param)
            : new AppError('not_found', error.code, error.message, error.param);
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
      const where: FilterQuery<Subscription> = {
        ...(query.status ? { status: query.status } : {}),
        ...(query.customer_id ? { customer: query.customer_id } : {}),
        ...(query.plan_id ? { plan: query.plan_id } : {}),
      };
      const page = await paginate(orm.em, Subscription, where, query);
      const customers = await orm.em.find(Customer, {
        id: { $in: page.items.map((row) => row.customer.id) },
      });
      const balanceOf = new Map(customers.map((customer) => [customer.id, customer]));
      return listBody(page, (row) => {
        const customer = balanceOf.get(row.customer.id);
        return {
          ...fromReadModel(row),
          customer_balance: { amount: customer?.balance ?? 0, currency: customer?.balanceCurrency ?? null },
        };
      });
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/subscriptions/:id',
      operationId: 'getSubscription',
      summary: 'Retrieve a subscription, live from its workflow while it runs',
      tag: 'Subscriptions',
      params: subscriptionParams,
      response: subscriptionResponseSchema,
      errors: [404],
    },
    async ({ params }) => current(params.id),
  );

  const action = <S extends z.ZodType>(
    name: string,
    operationId: string,
    summary: string,
    body: S,
    send: (handle: WorkflowHandle, body: z.output<S>, id: string) => Promise<SubscriptionSnapshot>,
  ) =>
    defineRoute(
      router,
      registry,
      {
        method: 'post',
        path: `/subscriptions/:id/${name}`,
        operationId,
        summary,
        tag: 'Subscriptions',
        params: subscriptionParams,
        body,
        response: subscriptionResponseSchema,
        errors: [400, 404, 409, 422],
      },
      async ({ params, body: parsed }) =>
        command(params.id, (handle) => send(handle, parsed as z.output<S>, params.id)),
    );

  action(
    'cancel',
    'cancelSubscription',
    'Cancel at period end (undoable) or immediately',
    cancelSubscriptionSchema,
    (handle, body) =>
      handle.executeUpdate(cancelUpdate, {
        args: [{ at: body.at, unused: body.unused, reason: body.reason }],
      }),
  );
  action('reactivate', 'reactivateSubscription', 'Undo a scheduled cancellation', emptyBodySchema, (handle) =>
    handle.executeUpdate(reactivateUpdate, { args: [] }),
  );
  action(
    'pause',
    'pauseSubscription',
    'Pause now or at period end, optionally until a date',
    pauseSubscriptionSchema,
    (handle, body) =>
      handle.executeUpdate(pauseUpdate, { args: [{ at: body.at, resumesAt: body.resumes_at ?? null }] }),
  );
  action(
    'resume',
    'resumeSubscription',
    'Resume a paused subscription; a new period starts now',
    emptyBodySchema,
    (handle) => handle.executeUpdate(resumeUpdate, { args: [] }),
  );
  /**
   * What a change asks for, priced from the catalogue, with its timing: the caller's, else by direction (an upgrade
   * now, a downgrade or equal price at period end). The workflow's validator then checks it against its state.
   */
  async function requestedChange(
    handle: WorkflowHandle,
    id: string,
    body: z.output<typeof changeSubscriptionSchema>,
  ): Promise<{ command: ChangeCommand; state: SubscriptionSnapshot['state']; clockTime: string }> {
    const row = await readModel(id);
    const planId = body.plan_id ?? row.plan.id;
    const price =
      (await orm.em.findOne(PlanPrice, { plan: planId, currency: row.currency })) ??
      (await orm.em.findOne(PlanPrice, { plan: planId }));
    if (!price) throw new AppError('not_found', 'resource_missing', `No such plan: ${planId}`, 'plan_id');
    const { state, clockTime } = await handle.query(getSubscriptionQuery);
    const plan = {
      planId,
      unitAmount: priceAmount({ currency: price.currency, scheme: price.scheme }, 1).amount,
      currency: price.currency,
    };
    const quantity = body.quantity ?? row.quantity;
    if (plan.currency !== state.currency) {
      throw new AppError(
        'unprocessable',
        'invalid_command',
        `Plan ${planId} has no price in ${state.currency}, the subscription's currency`,
        'plan_id',
      );
    }
    const timing =
      body.timing ??
      defaultTiming(
        money(periodAmount(state), state.currency),
        money(periodAmount({ plan, quantity }), state.currency),
      );
    return { command: { plan, quantity, timing }, state, clockTime };
  }

  action(
    'change',
    'changeSubscription',
    'Change plan or quantity: an upgrade immediately with proration, a downgrade at period end, unless told',
    changeSubscriptionSchema,
    async (handle, body, id) =>
      handle.executeUpdate(changeUpdate, { args: [(await requestedChange(handle, id, body)).command] }),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/subscriptions/:id/change/preview',
      operationId: 'previewSubscriptionChange',
      summary: 'The exact proration lines a change would produce now, without changing anything',
      description:
        'Takes the body of a change. Lines are computed at the subscription’s current time (its test clock’s, if ' +
        'it has one) from the same proration code the change runs, so an immediate change made at that time ' +
        'invoices exactly these lines (then tax and credit balance apply). A change at period end, or one during ' +
        'a trial, has no lines.',
      tag: 'Subscriptions',
      params: subscriptionParams,
      body: changeSubscriptionSchema,
      response: changePreviewResponseSchema,
      errors: [400, 404, 409, 422],
    },
    async ({ params, body }) => {
      const row = await readModel(params.id);
      const handle = client.workflow.getHandle(row.workflowId);
      let requested: Awaited<ReturnType<typeof requestedChange>>;
      try {
        requested = await requestedChange(handle, params.id, body);
      } catch (error) {
        throw fromUpdateError(error, params.id);
      }
      const { command, state, clockTime } = requested;
      if (!['trialing', 'active', 'past_due'].includes(state.status)) {
        throw new AppError('conflict', 'invalid_state', `A ${state.status} subscription cannot change plan`);
      }
      if (command.timing === 'immediately' && state.status === 'past_due') {
        throw new AppError(
          'conflict',
          'invalid_state',
          'Settle the past-due invoice before changing plan immediately',
        );
      }
      // Only an active subscription is invoiced for an immediate change, as the workflow does.
      const preview = previewChange({
        current: {
          description: periodChargeDescription(state),
          amount: money(periodAmount(state), state.currency),
        },
        next: {
          description: periodChargeDescription(command),
          amount: money(periodAmount(command), state.currency),
        },
        periodStart: state.period.start,
        periodEnd: state.period.end,
        changeAt: clockTime,
        timing: command.timing,
      });
      const lines = state.status === 'active' ? preview.lines : [];
      return {
        object: 'subscription_change_preview' as const,
        subscription_id: params.id,
        plan_id: command.plan.planId,
        quantity: command.quantity,
        currency: state.currency,
        timing: preview.timing,
        effective_at: preview.effectiveAt,
        invoice_now: state.status === 'active' && preview.invoiceNow,
        lines: lines.map((line) => ({
          kind: 'proration' as const,
          description: line.description,
          amount: line.amount.amount,
          period_start: line.periodStart,
          period_end: line.periodEnd,
        })),
        total: lines.reduce((sum, line) => sum + line.amount.amount, 0),
      };
    },
  );
  action(
    'change/cancel',
    'cancelScheduledChange',
    'Drop a change scheduled for the period end',
    emptyBodySchema,
    (handle) => handle.executeUpdate(cancelScheduledChangeUpdate, { args: [] }),
  );
  action(
    'coupon',
    'applyCoupon',
    'Apply a coupon; its discount starts with the next invoice',
    applyCouponSchema,
    async (handle, body) => {
      const coupon = await orm.em.findOne(Coupon, { code: body.coupon });
      if (!coupon)
        throw new AppError('not_found', 'resource_missing', `No such coupon: ${body.coupon}`, 'coupon');
      return handle.executeUpdate(applyCouponUpdate, { args: [{ couponId: coupon.id }] });
    },
  );
  action(
    'payment_method',
    'updateSubscriptionPaymentMethod',
    'Use another payment method; a past-due invoice is retried at once',
    updatePaymentMethodSchema,
    async (handle, body, id) => {
      const row = await readModel(id);
      const method = await orm.em.findOne(PaymentMethod, {
        id: body.payment_method_id,
        customer: row.customer.id,
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
      return handle.executeUpdate(updatePaymentMethodUpdate, { args: [{ paymentMethodId: method.id }] });
    },
  );

  return router;
}
