/**
 * What the webhook delivery workflow and its activities agree on. Free of I/O imports, so workflow code can
 * import the constants as values.
 */

export interface WebhookDeliveryInput {
  eventId: string;
  endpointId: string;
  /**
   * A redelivery (`POST /v1/webhook_deliveries/:id/redeliver`) numbers its attempts after those already logged:
   * its first attempt is `attemptOffset + 1`. Absent for the first delivery.
   */
  attemptOffset?: number;
}

export type WebhookDeliveryOutcome =
  | { status: 'delivered'; attempts: number; responseStatus: number }
  /** The endpoint was deleted or disabled meanwhile; nobody is left to deliver to. */
  | { status: 'abandoned'; reason: string }
  /** Every attempt failed for the whole retry window; the endpoint has been disabled. */
  | { status: 'gave_up'; reason: string };

/** Failure types of `deliverWebhook`; the workflow branches on these, never on messages. */
export const WebhookFailure = {
  /** The endpoint answered with something other than 2xx, or not at all: retried. */
  deliveryFailed: 'WebhookDeliveryFailed',
  endpointGone: 'WebhookEndpointGone',
  endpointDisabled: 'WebhookEndpointDisabled',
  eventMissing: 'WebhookEventMissing',
} as const;

/** Failures after which retrying cannot help and the endpoint is not to blame. */
export const ABANDONING_FAILURES: readonly string[] = [
  WebhookFailure.endpointGone,
  WebhookFailure.endpointDisabled,
  WebhookFailure.eventMissing,
];

export const webhookWorkflowIdFor = (eventId: string, endpointId: string): string =>
  `webhook-${eventId}-${endpointId}`;

/** One id per redelivery: it starts after `attemptOffset` logged attempts, so a second click while it runs is refused. */
export const webhookRedeliveryWorkflowIdFor = (eventId: string, endpointId: string, attemptOffset: number) =>
  `webhook-${eventId}-${endpointId}-redelivery-${attemptOffset}`;

/** `['*']` subscribes to everything; otherwise exact event types. */
export function endpointWants(enabledEvents: readonly string[], eventType: string): boolean {
  return enabledEvents.includes('*') || enabledEvents.includes(eventType);
}
