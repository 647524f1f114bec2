import type { DunningFinalAction, InvoiceLine, Interval, Money, TaxLine } from '../../domain';
import type { DocumentLocale } from '../../documents/format';

export type EmailLocale = DocumentLocale;

export type EmailKind =
  | 'welcome'
  | 'trial_ending'
  | 'upcoming_renewal'
  | 'receipt'
  | 'payment_failed'
  | 'dunning_reminder'
  | 'dunning_second_reminder'
  | 'dunning_final_notice'
  | 'paused'
  | 'resumed'
  | 'plan_changed'
  | 'canceled'
  | 'needs_attention';

/** Emails about a document, sent where the document is made rather than by a subscription's workflow. */
export type DocumentEmailKind = 'credit_note';

export type AnyEmailKind = EmailKind | DocumentEmailKind;

/**
 * What every email needs. Instants are ISO 8601 strings so that the data can travel in activity inputs and
 * outbox rows as plain JSON; `timeZone` is the subscription's billing zone, in which the dates are shown.
 */
export type EmailCommon = {
  customerName: string;
  /** Signs the email; the seller, not Perennial, is who the customer has a contract with. */
  sellerName: string;
  timeZone: string;
};

export type WelcomeEmailData = EmailCommon & {
  planName: string;
  trialEndsAt?: string;
  portalUrl?: string;
};

export type TrialEndingEmailData = EmailCommon & {
  planName: string;
  trialEndsAt: string;
  /** The first charge after the trial. */
  amount: Money;
  hasPaymentMethod: boolean;
  updatePaymentUrl: string;
};

export type UpcomingRenewalEmailData = EmailCommon & {
  planName: string;
  renewsAt: string;
  amount: Money;
  portalUrl?: string;
};

/** The parts of a finalized invoice a receipt shows; a `DraftInvoice` plus its number fits as is. */
export type ReceiptInvoice = {
  number: string;
  currency: string;
  lines: readonly Pick<InvoiceLine, 'kind' | 'description' | 'amount' | 'quantity' | 'taxRateBp'>[];
  subtotal: number;
  taxes: readonly TaxLine[];
  total: number;
  creditApplied: number;
  amountDue: number;
  notes: readonly { en: string; de: string }[];
};

export type ReceiptEmailData = EmailCommon & {
  invoice: ReceiptInvoice;
  paidAt: string;
  periodStart?: string;
  periodEnd?: string;
  /** Whether the invoice PDF travels with the email; the text mentions it only then. */
  pdfAttached: boolean;
  /** The invoice in the customer portal (a signed link): its PDF, and the customer's other invoices. */
  invoiceUrl?: string;
};

export type PaymentFailedEmailData = EmailCommon & {
  invoiceNumber: string;
  amount: Money;
  nextRetryAt: string;
  updatePaymentUrl: string;
  /**
   * Set when the failed charge was a subscription's first (status `incomplete`): no retry is scheduled, and the
   * subscription ends at this instant unless a new payment method pays the invoice first.
   */
  incompleteExpiresAt?: string | null;
  /** The card was declined for good (expired, lost, stolen …): no retry of it follows, a new method is needed. */
  hardDecline?: boolean;
};

export type DunningEmailData = PaymentFailedEmailData;

export type DunningFinalNoticeEmailData = DunningEmailData & {
  /** What happens when the last retry fails, so the notice can say it plainly. */
  finalAction: DunningFinalAction;
};

export type PausedEmailData = EmailCommon & {
  planName: string;
  pausedAt: string;
  resumesAt?: string;
};

export type ResumedEmailData = EmailCommon & {
  planName: string;
  resumedAt: string;
  nextBillingAt: string;
};

export type PlanChangedEmailData = EmailCommon & {
  fromPlanName: string;
  toPlanName: string;
  effectiveAt: string;
  /** The recurring price of the new plan per billing interval (quantity included). */
  newAmount: Money;
  interval: Interval;
};

export type CanceledEmailData = EmailCommon & {
  planName: string;
  /** The end of access: the period end for a cancellation at period end, otherwise the cancellation instant. */
  endsAt: string;
  atPeriodEnd: boolean;
  portalUrl?: string;
};

/** To the seller: a subscription stopped on data no retry can fix and waits for an operator. */
export type NeedsAttentionEmailData = EmailCommon & {
  subscriptionId: string;
  code: string;
  message: string;
  since: string;
};

export type CreditNoteEmailData = EmailCommon & {
  creditNoteNumber: string;
  invoiceNumber: string;
  /** The credited gross. */
  amount: Money;
  outcome: 'credit_balance' | 'refund' | 'none';
  issuedAt: string;
  /** Whether the credit note travels with the email (as a PDF, or as the e-invoice the customer chose). */
  documentAttached: boolean;
};

export type EmailDataByKind = {
  welcome: WelcomeEmailData;
  trial_ending: TrialEndingEmailData;
  upcoming_renewal: UpcomingRenewalEmailData;
  receipt: ReceiptEmailData;
  payment_failed: PaymentFailedEmailData;
  dunning_reminder: DunningEmailData;
  dunning_second_reminder: DunningEmailData;
  dunning_final_notice: DunningFinalNoticeEmailData;
  paused: PausedEmailData;
  resumed: ResumedEmailData;
  plan_changed: PlanChangedEmailData;
  canceled: CanceledEmailData;
  needs_attention: NeedsAttentionEmailData;
  credit_note: CreditNoteEmailData;
};

/** One email to render, discriminated by kind: the shape to store in an outbox row or pass to an activity. */
export type EmailTemplateInput = {
  [K in AnyEmailKind]: { kind: K; locale: EmailLocale; data: EmailDataByKind[K] };
}[AnyEmailKind];

export type RenderedEmail = { subject: string; text: string; html: string };
