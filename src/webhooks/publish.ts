import type { DomainEvent } from '../db/entities';
import type { Logger } from '../logging';
import { type DispatchDeps, dispatchWebhooks } from './dispatch';

/** As long as the gateway-webhook path waits for Temporal before answering. */
const DISPATCH_DEADLINE_MS = 5_000;

/** Starts the outbound webhooks of events an API request has committed. */
export type EventPublisher = (events: readonly (DomainEvent | null)[]) => Promise<void>;

/**
 * For API routes whose events are committed with money that has already moved (a refund, a credit note): the
 * request's answer must report that money, so a dispatch that cannot reach Temporal is logged with the event ids
 * (the events stay in the audit log, `GET /v1/events`) rather than turned into an error the client would retry.
 * Dispatching is idempotent, so publishing an event twice delivers it once.
 */
export function createEventPublisher(deps: DispatchDeps & { logger: Logger }): EventPublisher {
  return async (events) => {
    const ids = events.flatMap((event) => (event ? [event.id] : []));
    if (ids.length === 0) return;
    try {
      await deps.client.withDeadline(Date.now() + DISPATCH_DEADLINE_MS, () => dispatchWebhooks(deps, ids));
    } catch (error) {
      deps.logger.warn(
        { err: error, eventIds: ids },
        'recorded events whose webhooks could not be dispatched',
      );
    }
  };
}
