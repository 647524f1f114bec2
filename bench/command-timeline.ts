import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { percentile } from './stack';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const eventName = (event: HistoryEvent) =>
  String(temporal.api.enums.v1.EventType[event.eventType ?? 0]).replace(/^EVENT_TYPE_/, '');

export const eventMs = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.round((event.eventTime?.nanos ?? 0) / 1e6);

/**
 * The events of a workflow's last completed update, from the workflow task that accepted it to its completion, as
 * milliseconds after that task was scheduled: where a command's time goes inside Temporal and the worker.
 */
export async function lastUpdateTimeline(
  client: Client,
  workflowId: string,
): Promise<{ type: string; ms: number }[] | null> {
  let events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const continuedFrom = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  // A command that starts a new period (resume) ends its run: its update is in the run before.
  if (!events.some((event) => event.workflowExecutionUpdateCompletedEventAttributes) && continuedFrom)
    events = (await client.workflow.getHandle(workflowId, continuedFrom).fetchHistory()).events ?? [];
  const completed = events.findLast((event) => event.workflowExecutionUpdateCompletedEventAttributes);
  const acceptedId = Number(completed?.workflowExecutionUpdateCompletedEventAttributes?.acceptedEventId ?? 0);
  const acceptedAt = events.findIndex((event) => Number(event.eventId) === acceptedId);
  if (!completed || acceptedAt < 0) return null;
  const scheduledAt = events.findLastIndex(
    (event, index) => index < acceptedAt && event.workflowTaskScheduledEventAttributes,
  );
  const window = events.slice(Math.max(0, scheduledAt), events.indexOf(completed) + 1);
  const origin = eventMs(window[0] ?? completed);
  return window.map((event) => ({ type: eventName(event), ms: eventMs(event) - origin }));
}

/**
 * The median timeline of the last update over several workflows (those whose events took the same steps as the
 * first), printed as one line per event: `+ms type`.
 */
export async function medianUpdateTimeline(client: Client, workflowIds: string[]) {
  const timelines = (await Promise.all(workflowIds.map((id) => lastUpdateTimeline(client, id)))).filter(
    (timeline): timeline is { type: string; ms: number }[] => timeline !== null,
  );
  const shape = timelines[0]?.map((step) => step.type).join(',');
  const alike = timelines.filter((timeline) => timeline.map((step) => step.type).join(',') === shape);
  const steps = (timelines[0] ?? []).map((step, index) => ({
    type: step.type,
    median_ms: percentile(
      alike.map((timeline) => timeline[index]?.ms ?? 0).sort((a, b) => a - b),
      50,
    ),
  }));
  return { workflows: alike.length, of: timelines.length, steps };
}
