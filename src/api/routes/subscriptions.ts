import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config';
import { CustomerIdKey, PlanIdKey, SubscriptionStatusKey } from '../../workflows/search-attributes';
import {
  cancelSignal,
  getStateQuery,
  pauseSignal,
  resumeSignal,
  type SubscriptionView,
  type SubscriptionWorkflowInput,
  workflowIdFor,
} from '../../workflows/subscription.messages';
import type { subscriptionWorkflow } from '../../workflows/subscription.workflow';
import { periodBounds } from '../../domain/calendar';
import { AppError } from '../errors';

const idSchema = z.string().regex(/^sub_[a-f0-9]{24}$/, 'must be a subscription id');

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const createSubscriptionSchema = z.strictObject({
  customer_id: z.string().min(1).max(255),
  plan_id: z.string().min(1).max(255),
  email: z.email().max(320),
  interval: z.enum(['day', 'week', 'month', 'year']).default('month'),
  interval_count: z.number().int().min(1).max(365).default(1),
  billing_cycle_anchor: z.iso.datetime({ offset: true }).optional(),
  time_zone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone').default('UTC'),
});

const cancelSchema = z.strictObject({ reason: z.string().max(500).optional() });

function initialView(input: SubscriptionWorkflowInput): SubscriptionView {
  return {
    subscriptionId: input.subscriptionId,
    customerId: input.customerId,
    planId: input.planId,
    status: input.status,
    periodIndex: input.periodIndex,
    currentPeriodStart: input.period.start,
    currentPeriodEnd: input.period.end,
    renewals: input.renewals,
    cancelReason: null,
  };
}

function serialize(view: SubscriptionView) {
  return {
    id: view.subscriptionId,
    object: 'subscription',
    customer_id: view.customerId,
    plan_id: view.planId,
    status: view.status,
    period_index: view.periodIndex,
    current_period_start: view.currentPeriodStart,
    current_period_end: view.currentPeriodEnd,
    renewals: view.renewals,
    cancel_reason: view.cancelReason,
  };
}

/**
 * Foundation slice of the subscriptions resource: create starts the workflow, reads query it, actions signal it.
 * The lifecycle issue replaces the signals with validated updates.
 */
export function subscriptionsRouter(client: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>): Router {
  const router = Router();

  const handleFor = (rawId: string) => client.workflow.getHandle(workflowIdFor(idSchema.parse(rawId)));

  async function currentState(rawId: string): Promise<SubscriptionView> {
    try {
      return await handleFor(rawId).query(getStateQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new AppError('not_found', 'resource_missing', `No such subscription: ${rawId}`, 'id');
      }
      throw error;
    }
  }

  router.post('/', async (req, res) => {
    const body = createSubscriptionSchema.parse(req.body);
    const subscriptionId = `sub_${randomBytes(12).toString('hex')}`;
    const anchor = new Date(body.billing_cycle_anchor ?? Date.now()).toISOString();
    const interval = { unit: body.interval, count: body.interval_count };
    const input: SubscriptionWorkflowInput = {
      subscriptionId,
      customerId: body.customer_id,
      planId: body.plan_id,
      email: body.email,
      anchor,
      interval,
      timeZone: body.time_zone,
      periodIndex: 0,
      period: periodBounds(anchor, interval, 0, body.time_zone),
      status: 'active',
      renewals: 0,
    };
    try {
      await client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
        workflowId: workflowIdFor(subscriptionId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
        typedSearchAttributes: [
          { key: CustomerIdKey, value: body.customer_id },
          { key: PlanIdKey, value: body.plan_id },
          { key: SubscriptionStatusKey, value: 'active' },
        ],
        staticSummary: `Subscription ${subscriptionId} of customer ${body.customer_id} on plan ${body.plan_id}`,
      });
      res.status(201).json(serialize(initialView(input)));
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new AppError(
          'conflict',
          'subscription_exists',
          `Subscription ${subscriptionId} already exists`,
        );
      }
      throw error;
    }
  });

  router.get('/:id', async (req, res) => {
    res.json(serialize(await currentState(req.params.id)));
  });

  const signalRoute = (action: string, send: (id: string, body: unknown) => Promise<void>) =>
    router.post(`/:id/${action}`, async (req, res) => {
      await currentState(req.params.id);
      await send(req.params.id, req.body ?? {});
      res.status(202).json({ id: req.params.id, object: 'subscription_action', action, accepted: true });
    });

  signalRoute('pause', (id) => handleFor(id).signal(pauseSignal));
  signalRoute('resume', (id) => handleFor(id).signal(resumeSignal));
  signalRoute('cancel', (id, body) => handleFor(id).signal(cancelSignal, cancelSchema.parse(body)));

  return router;
}
