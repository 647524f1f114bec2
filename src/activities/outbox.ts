import { setTimeout as sleep } from 'node:timers/promises';
import type { Orm } from '../db/orm.config';
import { stableMessageId } from '../mail/outbox';
import { EmailMessage } from '../db/entities';
import { isDatabaseUnavailable } from '../db/unavailable';
import type { Mailer, OutgoingMail } from '../mail/mailer';

export interface EmailOutcome {
  messageId: string;
  /** True when an earlier attempt of the same cause had already sent it. */
  alreadySent: boolean;
}

/**
 * How long recording a sent mail waits out an unreachable database. Once SMTP has taken the mail, a failed record
 * means a retry sends it again, so this attempt holds on, within the `email` preset's 1-minute start-to-close.
 */
export const RECORD_SENT_PATIENCE_MS = 40_000;

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
  await recordSent(deps.orm, causeKey, sent.response, new Date());
  return { messageId: record.messageId, alreadySent: false };
}

async function recordSent(orm: Orm, causeKey: string, smtpResponse: string, sentAt: Date): Promise<void> {
  const deadline = Date.now() + RECORD_SENT_PATIENCE_MS;
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 4_000)) {
    try {
      // A fresh fork each time: a flush that failed halfway leaves its unit of work in no state to retry.
      await orm.em.fork().nativeUpdate(EmailMessage, { causeKey }, { status: 'sent', smtpResponse, sentAt });
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + waitMs > deadline) throw error;
      await sleep(waitMs);
    }
  }
}
