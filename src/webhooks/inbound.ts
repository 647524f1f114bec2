import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { GatewayEvent } from '../db/entities';
import { newId } from '../db/ids';
import type { Orm } from '../db/orm.config';
import { appendDomainEvent } from '../db/services';
import type { GatewayEvent as NormalizedEvent, VerifiedWebhook } from '../gateways/types';
import type { Logger } from '../logging';
import {
  lifecycleWorkflowIdFor,
  paymentDisputedSignal,
  paymentRefundedSignal,
  paymentSucceededSignal,
  type PaymentFact,
} from '../workflows/lifecycle/messages';
import { dispatchWebhooks } from './dispatch';

export interface InboundDeps {
  orm: Orm;
  client: Client;
  taskQueue: string;
  logger: Logger;
}

/** Long enough for a healthy cluster, short enough to answer the gateway before its own timeout (Stripe: 10 s+). */
const TEMPORAL_DEADLINE_MS = 5_000;

/** Temporal could not be reached: the gateway is told to retry (503) and will redeliver the same event. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Temporal is unavailable; retry the delivery', { cause });
    this.name = 'TemporalUnavailableError';
  }
}

function signalFor(event: NormalizedEvent) {
  switch (event.type) {
    case 'payment.succeeded':
      return { signal: paymentSucceededSignal, amount: event.amount.amount };
    case 'payment.refunded':
      return { signal: paymentRefundedSignal, amount: event.amountRefunded.amount };
    case 'payment.disputed':
      return { signal: paymentDisputedSignal, amount: event.amount.amount };
    case 'payment.failed':
      // The workflow learns declines from its own charge attempts; a failure webhook adds nothing it can act on.
      return null;
  }
}

/**
 * Acts on a verified gateway event once: stores it under `(gateway, event_id)`, records it in the audit log
 * (which starts its outbound webhooks) and signals the subscription named in the charge's metadata. The row is
 * marked processed only at the end, so a delivery that failed half-way is redone on the gateway's retry; the
 * signal comes last, so redoing the earlier, idempotent steps can never signal the workflow twice.
 */
export async function receiveGatewayEvent(
  deps: InboundDeps,
  webhook: VerifiedWebhook,
): Promise<{ received: true; duplicate: boolean }> {
  const em = deps.orm.em.fork();
  const { gateway, eventId, providerType, event } = webhook;
  const subscriptionId = event?.metadata.subscription_id ?? null;
  await em
    .createQueryBuilder(GatewayEvent)
    .insert({
      id: newId('gwe'),
      gateway,
      eventId,
      providerType,
      type: event?.type ?? null,
      payload: event ? { ...event } : null,
      subscriptionId,
    })
    .onConflict(['gateway', 'eventId'])
    .ignore()
    .execute('run');
  const row = await em.findOneOrFail(GatewayEvent, { gateway, eventId }, { refresh: true });
  if (row.processedAt) return { received: true, duplicate: true };

  const { event: recorded } = await appendDomainEvent(em, {
    key: `gateway_event:${gateway}:${eventId}`,
    type: 'gateway_event.received',
    subscriptionId: subscriptionId ?? undefined,
    data: {
      gateway,
      gateway_event_id: eventId,
      provider_type: providerType,
      event: event ? { ...event } : null,
    },
    occurredAt: row.receivedAt.toISOString(),
  });
  const temporal = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await deps.client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw error;
      throw new TemporalUnavailableError(error);
    }
  };
  await temporal(() =>
    dispatchWebhooks({ orm: deps.orm, client: deps.client, taskQueue: deps.taskQueue }, [recorded.id]),
  );

  const target = event ? signalFor(event) : null;
  const invoiceId = event?.metadata.invoice_id;
  if (event && target && subscriptionId && invoiceId) {
    const fact: PaymentFact = { invoiceId, chargeId: event.chargeId, amount: target.amount };
    try {
      await temporal(() =>
        deps.client.workflow.getHandle(lifecycleWorkflowIdFor(subscriptionId)).signal(target.signal, fact),
      );
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // An ended subscription cannot act on it; a redelivery would not change that, so it is acknowledged.
      deps.logger.warn(
        { gateway, eventId, subscriptionId },
        'gateway event for a subscription without a running workflow',
      );
    }
  } else if (event && target) {
    deps.logger.warn({ gateway, eventId }, 'gateway event without subscription_id and invoice_id metadata');
  }

  await em.nativeUpdate(GatewayEvent, { id: row.id, processedAt: null }, { processedAt: new Date() });
  return { received: true, duplicate: false };
}
