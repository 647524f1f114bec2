import type { EntityManager } from '@mikro-orm/postgresql';
import type { EmailSender } from '../db/entities';
import { findSellerSettings } from '../db/services/seller-settings';

/**
 * The From the seller chose for its customers' emails (`email_sender` of `PUT /v1/settings`), or undefined: the
 * mailer's own `MAIL_FROM`. Read for every batch, so a change takes effect with the next email sent.
 */
export async function sellerEmailSender(em: EntityManager): Promise<EmailSender | undefined> {
  const sender = (await findSellerSettings(em))?.emailSender;
  return sender ? { name: sender.name, address: sender.address } : undefined;
}
