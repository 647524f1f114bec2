import { periodBounds } from '../domain/calendar';
import type { BillingInterval } from '../workflows/subscription.messages';

export interface BillingPeriodRequest {
  anchor: string;
  interval: BillingInterval;
  index: number;
  timeZone: string;
}

export function createBillingPeriodActivities() {
  return {
    /** Runs outside the workflow sandbox so a tzdata change in a newer Node can never alter a replayed history. */
    async computeBillingPeriod(request: BillingPeriodRequest): Promise<{ start: string; end: string }> {
      return periodBounds(request.anchor, request.interval, request.index, request.timeZone);
    },
  };
}
