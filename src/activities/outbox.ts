import { createHash } from 'node:crypto';
import type { Orm } from '../db/orm.config';
import { EmailMessage } from '../db/entities';
import type { Mailer, OutgoingMail } from '../mail/mailer';

export interface EmailOutcome {
  messageId: string;
  /** True when an earlier attempt of the same cause had already sent it. */
  alreadySent: boolean;
}

function stableMessageId(causeKey: string): string {
  return `<${createHash('sha256').update(causeKey).digest('hex').slice(0, 32)}@perennial>`;
}

/**
 * Outbox first, then SMTP: the row is unique per cause, so retries of an activity never send twice once the send
 * is recorded. The stable Message-ID lets a receiving server drop the one duplicate that a crash between sending and
 * recording could still cause.
 */
export async function sendOnce(
  deps: { orm: Orm; mailer: Mailer },
  causeKey: string,
  kind: string,
  mail: Omit<OutgoingMail, 'messageId'>,
): Promise<EmailOutcome> {
  const em = deps.orm.em.fork();
  const messageId = stableMessageId(causeKey);
  await em
    .createQueryBuilder(EmailMessage)
    .insert({ causeKey, kind, recipient: mail.to, subject: mail.subject, messageId, status: 'pending' })
    .onConflict(['causeKey'])
    .ignore()
    .execute('run');
  const record = await em.findOneOrFail(EmailMessage, { causeKey });
  if (record.status === 'sent') return { messageId: record.messageId, alreadySent: true };
  const sent = await deps.mailer.send({ ...mail, messageId: record.messageId });
  record.status = 'sent';
  record.smtpResponse = sent.response;
  record.sentAt = new Date();
  await em.flush();
  return { messageId: record.messageId, alreadySent: false };
}
