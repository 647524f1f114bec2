import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { performance } from 'node:perf_hooks';
import { DomainEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { appendDomainEvent } from '../db/services';
import { WebhookFailure, type WebhookDeliveryInput } from '../webhooks/contract';
import { PERENNIAL_SIGNATURE_HEADER, perennialSignature } from '../webhooks/verify';

export interface WebhookDeps {
  orm: Orm;
  /**
   * Starts the deliveries of recorded events (`dispatchWebhooks`, injected so this module does not import the
   * delivery workflow that proxies it). Without one the `webhook_endpoint.disabled` event is recorded but not
   * delivered to other endpoints.
   */
  dispatch?: (eventIds: readonly string[], taskQueue: string) => Promise<unknown>;
  now?: () => Date;
}

/** A receiver is expected to acknowledge at once and do its work later, as with Stripe. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The JSON body every receiver gets: `{id, type, created, data}`, with the subscription and customer in `data`. */
export function webhookPayload(event: DomainEvent) {
  return {
    id: event.id,
    type: event.type,
    created: Math.floor(event.occurredAt.getTime() / 1000),
    data: {
      ...event.data,
      ...(event.subscriptionId ? { subscription_id: event.subscriptionId } : {}),
      ...(event.customerId ? { customer_id: event.customerId } : {}),
    },
  };
}

export type WebhookPayload = ReturnType<typeof webhookPayload>;

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${DELIVERY_TIMEOUT_MS} ms`;
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

async function deliveryRow(em: EntityManager, endpointId: string, eventId: string): Promise<WebhookDelivery> {
  await em
    .createQueryBuilder(WebhookDelivery)
    .insert({ endpoint: endpointId, event: eventId })
    .onConflict(['endpoint', 'event'])
    .ignore()
    .execute('run');
  return em.findOneOrFail(WebhookDelivery, { endpoint: endpointId, event: eventId }, { refresh: true });
}

export function createWebhookActivities({ orm, dispatch, now = () => new Date() }: WebhookDeps) {
  return {
    /**
     * One signed POST of the event to the endpoint, logged as an attempt row whatever its outcome. A non-2xx
     * answer, a timeout or a refused connection is a retryable failure; the workflow's retry policy spaces the
     * attempts out and bounds them.
     */
    async deliverWebhook(input: WebhookDeliveryInput): Promise<{ attempts: number; responseStatus: number }> {
      const offset = input.attemptOffset ?? 0;
      const attempt = offset + Context.current().info.attempt;
      const em = orm.em.fork();
      const [event, endpoint] = await Promise.all([
        em.findOne(DomainEvent, input.eventId),
        em.findOne(WebhookEndpoint, input.endpointId),
      ]);
      if (!event)
        throw ApplicationFailure.nonRetryable(`No event ${input.eventId}`, WebhookFailure.eventMissing);
      if (!endpoint) {
        throw ApplicationFailure.nonRetryable(
          `Endpoint ${input.endpointId} was deleted`,
          WebhookFailure.endpointGone,
        );
      }
      const delivery = await deliveryRow(em, endpoint.id, event.id);
      // An earlier attempt of this run got through but its activity did not report back (e.g. the worker died): done.
      const delivered = await em.findOne(
        WebhookDeliveryAttempt,
        { delivery: delivery.id, status: 'succeeded', attempt: { $gt: offset } },
        { orderBy: { attempt: 'asc' } },
      );
      if (delivered) {
        return { attempts: delivered.attempt, responseStatus: delivered.responseStatus ?? 200 };
      }
      if (!endpoint.enabled) {
        delivery.status = 'failed';
        delivery.lastError = 'endpoint disabled';
        await em.flush();
        throw ApplicationFailure.nonRetryable(
          `Endpoint ${endpoint.id} is disabled`,
          WebhookFailure.endpointDisabled,
        );
      }

      const body = JSON.stringify(webhookPayload(event));
      const timestamp = Math.floor(now().getTime() / 1000);
      const started = performance.now();
      let responseStatus: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Perennial-Webhooks/1',
            [PERENNIAL_SIGNATURE_HEADER]: perennialSignature(endpoint.secret, body, timestamp),
          },
          body,
          // A redirect is an answer from the wrong place: following it would send the signed event elsewhere.
          redirect: 'manual',
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        responseStatus = response.status;
        await response.body?.cancel();
        if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
      } catch (caught) {
        error = describeFetchError(caught);
      }
      const durationMs = Math.max(0, Math.round(performance.now() - started));
      const succeeded = error === null;

      await em.transactional(async (tx) => {
        await tx
          .createQueryBuilder(WebhookDeliveryAttempt)
          .insert({
            delivery: delivery.id,
            attempt,
            status: succeeded ? 'succeeded' : 'failed',
            responseStatus,
            durationMs,
            error,
          })
          .onConflict(['delivery', 'attempt'])
          .ignore()
          .execute('run');
        const row = await tx.findOneOrFail(WebhookDelivery, delivery.id, {
          lockMode: LockMode.PESSIMISTIC_WRITE,
          refresh: true,
        });
        row.attempts = Math.max(row.attempts, attempt);
        row.lastResponseStatus = responseStatus;
        row.lastError = error;
        if (succeeded) {
          row.status = 'succeeded';
          row.deliveredAt = now();
        }
      });
      if (!succeeded) {
        throw ApplicationFailure.retryable(
          `Delivery to ${endpoint.url} failed on attempt ${attempt}: ${error}`,
          WebhookFailure.deliveryFailed,
        );
      }
      return { attempts: attempt, responseStatus: responseStatus ?? 200 };
    },

    /**
     * The retry window ran out: the delivery is marked failed and the endpoint disabled, recorded as the domain
     * event `webhook_endpoint.disabled` (which reaches the seller's other endpoints) and logged. The seller has
     * no email address in Perennial, so the event and the log are the notification.
     */
    async giveUpWebhookDelivery(input: WebhookDeliveryInput & { reason: string }): Promise<void> {
      const em = orm.em.fork();
      const key = `webhook_endpoint.disabled:${input.endpointId}:${input.eventId}`;
      const disabled = await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          WebhookDelivery,
          { endpoint: input.endpointId, event: input.eventId, status: { $ne: 'succeeded' } },
          { status: 'failed', lastError: input.reason },
        );
        const endpoint = await tx.findOne(WebhookEndpoint, input.endpointId, {
          lockMode: LockMode.PESSIMISTIC_WRITE,
        });
        // Already disabled by another delivery that gave up first, or by the seller: nothing new to report.
        if (!endpoint?.enabled) return tx.findOne(DomainEvent, { key });
        const at = now();
        endpoint.enabled = false;
        endpoint.disabledAt = at;
        const { event } = await appendDomainEvent(tx, {
          key,
          type: 'webhook_endpoint.disabled',
          data: {
            endpoint_id: endpoint.id,
            url: endpoint.url,
            undelivered_event_id: input.eventId,
            reason: input.reason,
          },
          occurredAt: at.toISOString(),
        });
        return event;
      });
      if (!disabled) return;
      log.warn('webhook endpoint disabled after failing for the whole retry window', {
        endpointId: input.endpointId,
        eventId: input.eventId,
        reason: input.reason,
      });
      await dispatch?.([disabled.id], Context.current().info.taskQueue);
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
