import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DomainEvent, WebhookEndpoint } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { webhookDeliveryWorkflow } from '../workflows/webhook-delivery.workflow';
import { endpointWants, webhookWorkflowIdFor } from './contract';

export interface DispatchDeps {
  orm: Orm;
  client: Client;
  taskQueue: string;
}

/**
 * Starts one delivery workflow per (event, enabled endpoint that wants it). Safe to call any number of times
 * for the same events: the workflow id is derived from the pair and a closed id is never reused, so a producer
 * retrying after a partial failure starts only what is missing. Returns how many deliveries were started now.
 */
export async function dispatchWebhooks(deps: DispatchDeps, eventIds: readonly string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  const em = deps.orm.em.fork();
  // The endpoints first: with none enabled (a seller without webhooks) a transition reads no events back.
  const endpoints = await em.find(WebhookEndpoint, { enabled: true });
  if (endpoints.length === 0) return 0;
  const events = await em.find(DomainEvent, { id: { $in: [...eventIds] } });
  let started = 0;
  for (const event of events) {
    for (const endpoint of endpoints) {
      if (!endpointWants(endpoint.eventTypes, event.type)) continue;
      try {
        await deps.client.workflow.start(webhookDeliveryWorkflow, {
          workflowId: webhookWorkflowIdFor(event.id, endpoint.id),
          taskQueue: deps.taskQueue,
          args: [{ eventId: event.id, endpointId: endpoint.id }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `Webhook ${event.type} (${event.id}) → endpoint ${endpoint.id}`,
        });
        started += 1;
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }
  }
  return started;
}
