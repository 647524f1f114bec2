import type { Orm } from '../db/orm.config';
import type { Mailer } from '../mail/mailer';
import { createBillingPeriodActivities } from './billing-period.activities';
import { createNotificationActivities } from './notification.activities';
import { createRenewalActivities } from './renewal.activities';

export interface ActivityDeps {
  orm: Orm;
  mailer: Mailer;
}

/** Every activity the worker registers, built from its injected dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createBillingPeriodActivities(),
    ...createRenewalActivities(deps),
    ...createNotificationActivities(deps),
  };
}
