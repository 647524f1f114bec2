import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook.activities';
import {
  ABANDONING_FAILURES,
  type WebhookDeliveryInput,
  type WebhookDeliveryOutcome,
} from '../webhooks/contract';
import { fastDbWrite } from './activity-options';

/** How long a receiver may stay unreachable before Perennial stops trying and disables it (as Stripe does). */
export const WEBHOOK_RETRY_WINDOW = '3 days';

const delivery = proxyActivities<WebhookActivities>({
  // The HTTP call itself times out after 10 s; the rest is the attempt's two small database writes.
  startToCloseTimeout: '30 seconds',
  // Retries happen server-side between attempts, so three days of them add nothing to the workflow's history.
  scheduleToCloseTimeout: WEBHOOK_RETRY_WINDOW,
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

const records = proxyActivities<WebhookActivities>(fastDbWrite);

function failureType(error: unknown): string | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}

/**
 * Delivers one domain event to one endpoint: started once per (event, endpoint) under
 * `webhook-<eventId>-<endpointId>`, so a repeated dispatch never delivers twice.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryOutcome> {
  try {
    const result = await delivery.deliverWebhook(input);
    return { status: 'delivered', ...result };
  } catch (error) {
    // An operator cancelling a delivery says nothing about the endpoint.
    if (isCancellation(error)) throw error;
    const type = failureType(error);
    const reason = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
    if (type && ABANDONING_FAILURES.includes(type)) {
      log.info('webhook delivery abandoned', { ...input, type });
      return { status: 'abandoned', reason };
    }
    // Whatever ended the retries (the window ran out, or a failure that never heals) counts against the endpoint.
    await records.giveUpWebhookDelivery({ ...input, reason });
    return { status: 'gave_up', reason };
  }
}
