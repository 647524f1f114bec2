import { createFormatters } from '../catalogue';
import { renderLayout } from '../layout';
import type { EmailLocale, RenderedEmail } from '../types';
import { sellerDe } from './de';
import { sellerEn } from './en';
import type { SellerCatalogue, SellerContext, SellerEmailInput, SellerEmailKind } from './types';

export * from './types';

const CATALOGUES: Record<EmailLocale, SellerCatalogue> = { de: sellerDe, en: sellerEn };

export const SELLER_EMAIL_KINDS: readonly SellerEmailKind[] = [
  'dispute_opened',
  'dispute_won',
  'dispute_lost',
];

/** The product that sends the notice signs it; the seller is who it is addressed to. */
const SIGNATURE = 'Perennial';

/** Renders one seller notice in the seller's language, dates in the seller's time zone. Pure, like renderEmail. */
export function renderSellerEmail(input: SellerEmailInput, seller: SellerContext): RenderedEmail {
  const catalogue = CATALOGUES[seller.locale];
  const format = createFormatters(seller.locale, seller.timeZone);
  const reason = catalogue.reasons[input.data.reason] ?? input.data.reason;
  const { subject, blocks } = render(catalogue, input, format, reason);
  return renderLayout(
    {
      subject: subject.replace(/\s+/g, ' ').trim(),
      greeting: catalogue.greeting(seller.sellerName.trim()),
      blocks,
      closing: catalogue.closing,
      signature: SIGNATURE,
    },
    seller.locale,
  );
}

function render(
  catalogue: SellerCatalogue,
  input: SellerEmailInput,
  format: ReturnType<typeof createFormatters>,
  reason: string,
) {
  switch (input.kind) {
    case 'dispute_opened':
      return catalogue.templates.dispute_opened(input.data, format, reason);
    case 'dispute_won':
      return catalogue.templates.dispute_won(input.data, format, reason);
    case 'dispute_lost':
      return catalogue.templates.dispute_lost(input.data, format, reason);
  }
}
