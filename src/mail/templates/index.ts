import { createFormatters, type LocaleCatalogue } from './catalogue';
import { de } from './de';
import { en } from './en';
import { renderLayout } from './layout';
import type {
  AnyEmailKind,
  DocumentEmailKind,
  EmailDataByKind,
  EmailKind,
  EmailLocale,
  EmailTemplateInput,
  RenderedEmail,
} from './types';

export * from './types';
export { escapeHtml } from './escape';

const CATALOGUES: Record<EmailLocale, LocaleCatalogue> = { de, en };

export const EMAIL_KINDS: readonly EmailKind[] = [
  'welcome',
  'trial_ending',
  'upcoming_renewal',
  'receipt',
  'payment_failed',
  'dunning_reminder',
  'dunning_second_reminder',
  'dunning_final_notice',
  'paused',
  'resumed',
  'plan_changed',
  'canceled',
  'needs_attention',
];

export const DOCUMENT_EMAIL_KINDS: readonly DocumentEmailKind[] = ['credit_note'];

/**
 * Renders one email in the customer's language: amounts formatted for it, dates in the data's time zone.
 * Pure, so a retried send activity renders byte-identical mail.
 */
export function renderEmail<K extends AnyEmailKind>(
  kind: K,
  locale: EmailLocale,
  data: EmailDataByKind[K],
): RenderedEmail {
  const catalogue = CATALOGUES[locale];
  const template: LocaleCatalogue['templates'][K] = catalogue.templates[kind];
  const { subject, blocks } = template(data, createFormatters(locale, data.timeZone));
  return renderLayout(
    {
      // A plan or customer name must never smuggle a line break into the Subject header.
      subject: subject.replace(/\s+/g, ' ').trim(),
      greeting: catalogue.greeting(data.customerName.trim()),
      blocks,
      closing: catalogue.closing,
      signature: data.sellerName,
    },
    locale,
  );
}

/** The same for a stored, kind-tagged input, where the kind is known only at run time. */
export function renderEmailTemplate(input: EmailTemplateInput): RenderedEmail {
  return renderEmail(input.kind, input.locale, input.data);
}
