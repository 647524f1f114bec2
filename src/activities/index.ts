import type { Client } from '@temporalio/client';
import { SellerSettings } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { DEFAULT_DUNNING_POLICY } from '../domain/dunning';
import type { PaymentGateway } from '../gateways';
import type { Mailer } from '../mail/mailer';
import { createCalendarActivities } from './calendar.activities';
import { createLifecycleActivities } from './lifecycle.activities';
import { createLegacyLifecycleActivities } from './legacy.activities';
import type { LegacyLifecycleActivities } from './legacy.contract';
import { createLegacyNotificationActivities } from './legacy-notifications';
import type { LifecycleActivities } from './lifecycle.contract';
import { dispatchWebhooks } from '../webhooks/dispatch';
import { createWebhookActivities } from './webhook.activities';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
  gateway: PaymentGateway;
  /** Base URL of links in emails (payment method update, portal). */
  publicUrl: string;
  /** Starts outbound webhook deliveries for recorded events; without one, events are recorded but not delivered. */
  client?: Client;
}

/** Every activity the worker registers, built from its injected dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps) {
  const { client } = deps;
  const lifecycle: LifecycleActivities = {
    ...createCalendarActivities({
      // The seller's policy is read when a decision is due, so a change applies to the next step of every episode.
      dunningPolicy: async () =>
        (await deps.orm.em.fork().findOne(SellerSettings, 1))?.dunningPolicy ?? DEFAULT_DUNNING_POLICY,
    }),
    ...createLifecycleActivities(deps),
  };
  // Until no schema version 1 run is left (see src/workflows/lifecycle/legacy/).
  const legacy: Omit<LegacyLifecycleActivities, 'planPeriod' | 'planDunningStep'> = {
    ...createLegacyLifecycleActivities(deps),
    ...createLegacyNotificationActivities(deps),
  };
  return {
    ...legacy,
    ...lifecycle,
    ...createWebhookActivities({
      orm: deps.orm,
      ...(client
        ? {
            dispatch: (eventIds, taskQueue) =>
              dispatchWebhooks({ orm: deps.orm, client, taskQueue }, eventIds),
          }
        : {}),
    }),
  };
}
