import type { EntityManager } from '@mikro-orm/postgresql';
import type { EmailSender, SellerSettings } from '../db/entities';
import { findSellerSettings } from '../db/services/seller-settings';

/**
 * The From the seller chose for its customers' emails (`email_sender` of `PUT /v1/settings`), or undefined: the
 * mailer's own `MAIL_FROM`. Read for every batch, so a change takes effect with the next email sent.
 */
export async function sellerEmailSender(em: EntityManager): Promise<EmailSender | undefined> {
  return senderOf(await findSellerSettings(em));
}

/** The From of `sellerEmailSender`, from settings the caller has read. */
export function senderOf(seller: SellerSettings | null): EmailSender | undefined {
  const sender = seller?.emailSender;
  return sender ? { name: sender.name, address: sender.address } : undefined;
}
