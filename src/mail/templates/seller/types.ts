import type { Money } from '../../../domain';
import type { Formatters, TemplateOutput } from '../catalogue';
import type { EmailLocale } from '../types';

/** Notices to the seller (not to their customers), sent to the settings' `notification_email`. */
export type SellerEmailKind = 'dispute_opened' | 'dispute_won' | 'dispute_lost';

/** What every dispute notice shows. Instants are ISO 8601 strings, shown in the seller's time zone. */
export type DisputeEmailData = {
  disputeId: string;
  /** The gateway's own dispute id, to find it in the gateway's dashboard. */
  gatewayDisputeId: string;
  gateway: string;
  customerName: string;
  customerEmail: string;
  invoiceNumber: string;
  amount: Money;
  /** The gateway's reason code (`fraudulent`, `product_not_received`, …). */
  reason: string;
  openedAt: string;
};

export type DisputeClosedEmailData = DisputeEmailData & {
  closedAt: string;
  /** The gateway's dispute fee, when it reported one. */
  fee: Money | null;
};

export type DisputeLostEmailData = DisputeClosedEmailData & {
  /** What the invoice owes again: the disputed amount, less what earlier refunds had returned. */
  reopenedAmount: Money;
  /** Whether a subscription's dunning will collect it; otherwise the seller has to. */
  collectedBySubscription: boolean;
};

export type SellerEmailDataByKind = {
  dispute_opened: DisputeEmailData;
  dispute_won: DisputeClosedEmailData;
  dispute_lost: DisputeLostEmailData;
};

/** One seller notice to render, discriminated by kind. */
export type SellerEmailInput = {
  [K in SellerEmailKind]: { kind: K; data: SellerEmailDataByKind[K] };
}[SellerEmailKind];

/** The seller as the notice addresses and dates it. */
export type SellerContext = { sellerName: string; timeZone: string; locale: EmailLocale };

export type SellerCatalogue = {
  greeting(sellerName: string): string;
  closing: string;
  /** Labels of the gateways' dispute reason codes; an unknown code is shown as it is. */
  reasons: Record<string, string>;
  templates: {
    [K in SellerEmailKind]: (
      data: SellerEmailDataByKind[K],
      format: Formatters,
      reason: string,
    ) => TemplateOutput;
  };
};
