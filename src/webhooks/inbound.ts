import type { Client } from '@temporalio/client';
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { GatewayEvent } from '../db/entities';
import { newId } from '../db/ids';
import type { Orm } from '../db/orm.config';
import { appendDomainEvent } from '../db/services';
import type { GatewayEvent as NormalizedEvent, VerifiedWebhook } from '../gateways/types';
import type { Logger } from '../logging';
import type { Mailer } from '../mail/mailer';
import { notifySeller, type SellerNoticeOutcome } from '../mail/seller-notifications';
import {
  disputeClosedSignal,
  lifecycleWorkflowIdFor,
  paymentDisputedSignal,
  paymentRefundedSignal,
  paymentSucceededSignal,
  type PaymentFact,
} from '../workflows/lifecycle/messages';
import { dispatchWebhooks } from './dispatch';
import { bookGatewayEvent, type SellerNotice } from './gateway-money';

export interface InboundDeps {
  orm: Orm;
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** Sends the seller's dispute notices; without one they are logged as not sent. */
  mailer?: Mailer;
}

/** Long enough for a healthy cluster, short enough to answer the gateway before its own timeout (Stripe: 10 s+). */
const TEMPORAL_DEADLINE_MS = 5_000;

/** Bounds a seller notice like a Temporal call: a hanging SMTP server must not outlast the gateway's patience. */
const MAIL_DEADLINE_MS = 5_000;

/** Temporal could not be reached: the gateway is told to retry (503) and will redeliver the same event. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Temporal is unavailable; retry the delivery', { cause });
    this.name = 'TemporalUnavailableError';
  }
}

/** The seller's notice could not be sent: the gateway is told to retry (503); the outbox sends it once. */
export class MailUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The mail server is unavailable; retry the delivery', { cause });
    this.name = 'MailUnavailableError';
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
    case 'dispute.updated':
    case 'dispute.closed':
      // A dispute's outcome reaches the workflow as a `DisputeFact`, after its books are committed.
      return null;
  }
}

async function sendNotices(deps: InboundDeps, notices: readonly SellerNotice[]): Promise<void> {
  for (const notice of notices) {
    let timer: NodeJS.Timeout | undefined;
    let outcome: SellerNoticeOutcome;
    const sending = notifySeller(deps, notice.causeKey, notice.email);
    // After a timeout the send may still fail; the race below has answered for it by then.
    sending.catch(() => undefined);
    try {
      outcome = await Promise.race([
        sending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer from the mail server')), MAIL_DEADLINE_MS);
        }),
      ]);
    } catch (error) {
      throw new MailUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'no_mailer') {
      deps.logger.warn({ causeKey: notice.causeKey }, 'seller notice not sent: no mailer configured');
    }
  }
}

/**
 * Acts on a verified gateway event once: stores it under `(gateway, event_id)`, records it in the audit log, books
 * what it means for disputes and refunds (each in one transaction), starts the outbound webhooks of every event
 * recorded on the way, sends the seller's notices, and signals the subscription's workflow. The row is marked processed
 * only at the end, so a delivery that failed half-way is redone on the gateway's retry; the signals come last, so
 * redoing the earlier, idempotent steps can never signal the workflow twice.
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
  const booked = await bookGatewayEvent(deps, webhook);
  await temporal(() =>
    dispatchWebhooks({ orm: deps.orm, client: deps.client, taskQueue: deps.taskQueue }, [
      recorded.id,
      ...booked.events.map((appended) => appended.id),
    ]),
  );
  await sendNotices(deps, booked.notices);
  const signalWorkflow = async (
    targetSubscription: string,
    send: (handle: WorkflowHandle) => Promise<void>,
  ) => {
    try {
      await temporal(() => send(deps.client.workflow.getHandle(lifecycleWorkflowIdFor(targetSubscription))));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // An ended subscription cannot act on it; a redelivery would not change that, so it is acknowledged.
      deps.logger.warn(
        { gateway, eventId, subscriptionId: targetSubscription },
        'gateway event for a subscription without a running workflow',
      );
    }
  };

  const target = event ? signalFor(event) : null;
  const invoiceId = event?.metadata.invoice_id;
  if (event && target && subscriptionId && invoiceId) {
    const fact: PaymentFact = { invoiceId, chargeId: event.chargeId, amount: target.amount };
    await signalWorkflow(subscriptionId, (handle) => handle.signal(target.signal, fact));
  } else if (event && target) {
    deps.logger.warn({ gateway, eventId }, 'gateway event without subscription_id and invoice_id metadata');
  }
  const closed = booked.disputeClosed;
  if (closed) {
    await signalWorkflow(closed.subscriptionId, (handle) => handle.signal(disputeClosedSignal, closed.fact));
  }

  await em.nativeUpdate(GatewayEvent, { id: row.id, processedAt: null }, { processedAt: new Date() });
  return { received: true, duplicate: false };
}
