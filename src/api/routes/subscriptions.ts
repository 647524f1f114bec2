import type { FilterQuery } from '@mikro-orm/core';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { Router } from 'express';
import type { z } from 'zod';
import type { Config } from '../../config';
import { Coupon, Customer, PaymentMethod, PlanPrice, SellerSettings, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { priceAmount } from '../../domain/pricing';
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
} from '../../workflows/lifecycle/messages';
import { fromCommandRejection } from '../command-rejection';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  applyCouponSchema,
  cancelSubscriptionSchema,
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
  action(
    'change',
    'changeSubscription',
    'Change plan or quantity, at period end or (during a trial) immediately',
    changeSubscriptionSchema,
    async (handle, body, id) => {
      const row = await readModel(id);
      const planId = body.plan_id ?? row.plan.id;
      // The catalogue is the API's to read; the workflow's validator then checks the currency against its state.
      const price =
        (await orm.em.findOne(PlanPrice, { plan: planId, currency: row.currency })) ??
        (await orm.em.findOne(PlanPrice, { plan: planId }));
      if (!price) throw new AppError('not_found', 'resource_missing', `No such plan: ${planId}`, 'plan_id');
      return handle.executeUpdate(changeUpdate, {
        args: [
          {
            plan: {
              planId,
              unitAmount: priceAmount({ currency: price.currency, scheme: price.scheme }, 1).amount,
              currency: price.currency,
            },
            quantity: body.quantity ?? row.quantity,
            timing: body.timing,
          },
        ],
      });
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
