import { createHash } from 'node:crypto';
import { EmailMessage } from '../db/entities';
import type { ActivityDeps } from '.';

export interface RenewalEmailRequest {
  subscriptionId: string;
  periodIndex: number;
  to: string;
  periodStart: string;
  periodEnd: string;
}

export interface EmailOutcome {
  messageId: string;
  /** True when an earlier attempt of the same cause had already sent it. */
  alreadySent: boolean;
}

function stableMessageId(causeKey: string): string {
  return `<${createHash('sha256').update(causeKey).digest('hex').slice(0, 32)}@perennial>`;
}

export function createNotificationActivities({ orm, mailer }: ActivityDeps) {
  /**
   * Outbox first, then SMTP: the row is unique per cause, so retries of the activity never send twice once the
   * send is recorded. The stable Message-ID lets a receiving server drop the one duplicate a crash between
   * sending and recording could still cause.
   */
  async function sendOnce(
    causeKey: string,
    kind: string,
    mail: { to: string; subject: string; text: string },
  ): Promise<EmailOutcome> {
    const em = orm.em.fork();
    const messageId = stableMessageId(causeKey);
    await em
      .createQueryBuilder(EmailMessage)
      .insert({ causeKey, kind, recipient: mail.to, subject: mail.subject, messageId, status: 'pending' })
      .onConflict(['causeKey'])
      .ignore()
      .execute('run');
    const record = await em.findOneOrFail(EmailMessage, { causeKey });
    if (record.status === 'sent') return { messageId: record.messageId, alreadySent: true };
    const sent = await mailer.send({ ...mail, messageId: record.messageId });
    record.status = 'sent';
    record.smtpResponse = sent.response;
    record.sentAt = new Date();
    await em.flush();
    return { messageId: record.messageId, alreadySent: false };
  }

  return {
    async sendRenewalEmail(request: RenewalEmailRequest): Promise<EmailOutcome> {
      return sendOnce(`renewal:${request.subscriptionId}:${request.periodIndex}`, 'renewal', {
        to: request.to,
        subject: `Your subscription ${request.subscriptionId} renewed`,
        text:
          `Hello,\n\nyour subscription ${request.subscriptionId} completed the billing period ` +
          `${request.periodStart} – ${request.periodEnd} and renewed.\n\nPerennial\n`,
      });
    },
  };
}
