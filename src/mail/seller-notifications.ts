import { sendOnce } from '../activities/outbox';
import { SellerSettings } from '../db/entities';
import type { Orm } from '../db/orm.config';
import type { Mailer } from './mailer';
import { renderSellerEmail, type SellerEmailInput } from './templates/seller';

export type SellerNoticeOutcome = 'sent' | 'already_sent' | 'no_address' | 'no_mailer';

/**
 * Sends a notice to the seller's `notification_email`, in the seller's language, through the outbox: at most once
 * per cause, however often the cause is processed again. Without an address (or a mailer) nothing is sent or
 * recorded.
 */
export async function notifySeller(
  deps: { orm: Orm; mailer?: Mailer },
  causeKey: string,
  email: SellerEmailInput,
): Promise<SellerNoticeOutcome> {
  const seller = await deps.orm.em.fork().findOne(SellerSettings, 1);
  if (!seller?.notificationEmail) return 'no_address';
  if (!deps.mailer) return 'no_mailer';
  const rendered = renderSellerEmail(email, {
    sellerName: seller.name,
    timeZone: seller.timeZone,
    locale: seller.notificationLocale,
  });
  const { alreadySent } = await sendOnce({ orm: deps.orm, mailer: deps.mailer }, causeKey, email.kind, {
    to: seller.notificationEmail,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
  });
  return alreadySent ? 'already_sent' : 'sent';
}
