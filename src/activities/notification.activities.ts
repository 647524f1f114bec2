import type { ActivityDeps } from '.';
import { type EmailOutcome, sendOnce } from './outbox';

export type { EmailOutcome };

export interface RenewalEmailRequest {
  subscriptionId: string;
  periodIndex: number;
  to: string;
  periodStart: string;
  periodEnd: string;
}

export function createNotificationActivities(deps: Pick<ActivityDeps, 'orm' | 'mailer'>) {
  return {
    async sendRenewalEmail(request: RenewalEmailRequest): Promise<EmailOutcome> {
      return sendOnce(deps, `renewal:${request.subscriptionId}:${request.periodIndex}`, 'renewal', {
        to: request.to,
        subject: `Your subscription ${request.subscriptionId} renewed`,
        text:
          `Hello,\n\nyour subscription ${request.subscriptionId} completed the billing period ` +
          `${request.periodStart} – ${request.periodEnd} and renewed.\n\nPerennial\n`,
      });
    },
  };
}
