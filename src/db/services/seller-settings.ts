import type { EntityManager } from '@mikro-orm/postgresql';
import { assertDunningPolicy, type DunningPolicy } from '../../domain/dunning';
import type { SellerTaxRate } from '../../domain/tax';
import { SellerSettings, type EmailSender, type PostalAddress } from '../entities';
import type { NotificationLocale } from '../entities/seller-settings';

export type SellerSettingsInput = {
  name: string;
  address: PostalAddress;
  country: string;
  vatId: string | null;
  invoicePrefix: string;
  timeZone: string;
  defaultCurrency: string;
  dunningPolicy: DunningPolicy;
  taxRates: Record<string, Exclude<SellerTaxRate, number>>;
  /** Omitted: no seller notices (null); in English. */
  notificationEmail?: string | null;
  notificationLocale?: NotificationLocale;
  /** Omitted: the emails go out as `MAIL_FROM` (null). */
  emailSender?: EmailSender | null;
};

export function findSellerSettings(em: EntityManager): Promise<SellerSettings | null> {
  return em.findOne(SellerSettings, 1);
}

/** Replaces the single settings row, creating it on first use; concurrent writers last-write-win, no conflict. */
export async function putSellerSettings(
  em: EntityManager,
  input: SellerSettingsInput,
): Promise<SellerSettings> {
  assertDunningPolicy(input.dunningPolicy);
  const settings = await em.upsert(SellerSettings, {
    id: 1,
    name: input.name,
    address: input.address,
    country: input.country,
    vatId: input.vatId,
    invoicePrefix: input.invoicePrefix,
    timeZone: input.timeZone,
    defaultCurrency: input.defaultCurrency,
    dunningPolicy: input.dunningPolicy,
    taxRates: input.taxRates,
    notificationEmail: input.notificationEmail ?? null,
    notificationLocale: input.notificationLocale ?? 'en',
    emailSender: input.emailSender ?? null,
    updatedAt: new Date(),
  });
  return em.refreshOrFail(settings);
}
