import type { EntityManager } from '@mikro-orm/postgresql';
import { deliveryFormat, eInvoiceAttachment } from '../activities/einvoice-attachment';
import { loadInvoiceDocument } from '../activities/invoice-document';
import type { EmailDraft } from '../activities/lifecycle.contract';
import { Customer, SellerSettings } from '../db/entities';
import { invoicePdfFilename } from '../documents/invoice-pdf';
import { storedInvoicePdf } from '../documents/stored-invoice-pdf';
import { money } from '../domain/money';
import { portalPath, signedPortalUrl, type PortalTarget } from '../portal/links';
import { licensedAmount, type SubscriptionItem, type SubscriptionState } from '../workflows/lifecycle/state';
import type { OutgoingMail } from './mailer';
import { renderEmailTemplate } from './templates';
import type { EmailCommon, EmailTemplateInput } from './templates/types';

/** What a lifecycle outbox row carries: the email's cause and the subscription as it was when the email was due. */
export type LifecycleEmailPayload = EmailDraft & { state: SubscriptionState; at: string };

/** A receipt of an invoice no subscription charges (a one-off invoice): no state, the seller's time zone. */
export type InvoiceReceiptPayload = { kind: 'invoice_receipt'; cause: string; invoiceId: string };

/** Whatever an outbox row carries for the relay to render. */
export type OutboxPayload = LifecycleEmailPayload | InvoiceReceiptPayload;

/**
 * Where an email's portal links lead. With `portalLinkSecret`, every link is a signed portal link
 * (`signedPortalUrl`) that signs the customer in to that page once; `message` names it, so that a message sent again
 * (the same outbox row after a relay died) carries the same link, which the portal still honours only once.
 * Without a secret the link is the page's plain address, behind the portal's sign-in.
 */
export interface EmailLinks {
  publicUrl: string;
  portalLinkSecret?: string;
  message?: {
    /** The outbox row's id: the link's single-use id is derived from it and the page. */
    id: string;
    /** When the row was written: the link expires 7 days after it, the same on every rendering. */
    createdAt: Date;
  };
}

/** A link into the customer's portal, signed when the relay has the secret. */
export function portalLink(links: EmailLinks, customerId: string, target: PortalTarget): string {
  if (!links.portalLinkSecret) return `${links.publicUrl.replace(/\/+$/, '')}${portalPath(target)}`;
  return signedPortalUrl({
    publicUrl: links.publicUrl,
    secret: links.portalLinkSecret,
    customerId,
    target,
    ...(links.message ? { linkId: `${links.message.id}:${target.page}`, now: links.message.createdAt } : {}),
  });
}

export async function renderOutboxEmail(
  em: EntityManager,
  payload: OutboxPayload,
  links: EmailLinks,
): Promise<Omit<OutgoingMail, 'to' | 'messageId'>> {
  if (payload.kind !== 'invoice_receipt') return renderLifecycleEmail(em, payload, links);
  const seller = await em.findOneOrFail(SellerSettings, 1);
  return receiptEmail(em, payload.invoiceId, seller.timeZone, links);
}

/**
 * A paid invoice's receipt in the customer's language, with the invoice PDF, or the e-invoice a business customer
 * chose instead.
 */
export async function receiptEmail(
  em: EntityManager,
  invoiceId: string,
  timeZone: string,
  links?: EmailLinks,
): Promise<Omit<OutgoingMail, 'to' | 'messageId'>> {
  const [document, seller] = await Promise.all([
    loadInvoiceDocument(em, invoiceId, timeZone),
    em.findOne(SellerSettings, 1),
  ]);
  const { invoice, customer } = document;
  const locale = customer.locale;
  const format = deliveryFormat(customer.invoiceDelivery);
  const attachment = format
    ? await eInvoiceAttachment(em, invoice.id, format)
    : {
        filename: invoicePdfFilename(document.input.invoice.number, locale),
        content: await storedInvoicePdf(em, invoice.id, document.input),
        contentType: 'application/pdf',
      };
  const rendered = renderEmailTemplate({
    kind: 'receipt',
    locale,
    data: {
      customerName: customer.name,
      sellerName: seller?.name ?? 'Perennial',
      timeZone,
      invoice: {
        number: document.input.invoice.number,
        currency: invoice.currency,
        lines: document.lines,
        subtotal: invoice.subtotal,
        taxes: invoice.taxes,
        total: invoice.total,
        creditApplied: invoice.creditApplied,
        amountDue: invoice.amountDue,
        notes: invoice.notes,
      },
      paidAt: (invoice.paidAt ?? invoice.finalizedAt ?? invoice.createdAt).toISOString(),
      periodStart: invoice.periodStart?.toISOString(),
      periodEnd: invoice.periodEnd?.toISOString(),
      pdfAttached: true,
      ...(links
        ? { invoiceUrl: portalLink(links, customer.id, { page: 'invoice', invoiceId: invoice.id }) }
        : {}),
    },
  });
  return { subject: rendered.subject, text: rendered.text, html: rendered.html, attachments: [attachment] };
}

const itemNames = (items: readonly SubscriptionItem[]) =>
  items.map((item) => (item.quantity === 1 ? item.name : `${item.name} × ${item.quantity}`)).join(' + ');

/**
 * Renders a lifecycle email in the customer's language from the outbox payload and what PostgreSQL holds now (the
 * customer's name and address, the finalized invoice). Receipts carry the invoice PDF.
 */
export async function renderLifecycleEmail(
  em: EntityManager,
  payload: LifecycleEmailPayload,
  links: EmailLinks,
): Promise<Omit<OutgoingMail, 'to' | 'messageId'>> {
  const { state } = payload;
  const [customer, seller] = await Promise.all([
    em.findOneOrFail(Customer, state.customerId),
    em.findOne(SellerSettings, 1),
  ]);
  const common: EmailCommon = {
    customerName: customer.name,
    sellerName: seller?.name ?? 'Perennial',
    timeZone: state.timeZone,
  };
  const locale = payload.kind === 'needs_attention' ? 'en' : customer.locale;
  // Computed only for the emails that show them: each signed link is one the portal will honour once.
  const updatePaymentUrl = () => portalLink(links, state.customerId, { page: 'payment_method' });
  const portalUrl = () =>
    portalLink(links, state.customerId, { page: 'subscription', subscriptionId: state.subscriptionId });
  const planName = itemNames(state.items);
  const periodAmount = money(licensedAmount(state.items), state.currency);
  const attachments: NonNullable<OutgoingMail['attachments']> = [];

  let template: EmailTemplateInput;
  switch (payload.kind) {
    case 'welcome':
      template = {
        kind: 'welcome',
        locale,
        data: { ...common, planName, trialEndsAt: state.trialEnd ?? undefined, portalUrl: portalUrl() },
      };
      break;
    case 'trial_ending':
      template = {
        kind: 'trial_ending',
        locale,
        data: {
          ...common,
          planName,
          trialEndsAt: state.trialEnd ?? state.period.end,
          amount: periodAmount,
          hasPaymentMethod: state.paymentMethodId !== null,
          updatePaymentUrl: updatePaymentUrl(),
        },
      };
      break;
    case 'upcoming_renewal':
      template = {
        kind: 'upcoming_renewal',
        locale,
        data: {
          ...common,
          planName,
          renewsAt: state.period.end,
          amount: periodAmount,
          portalUrl: portalUrl(),
        },
      };
      break;
    case 'receipt':
      return receiptEmail(em, payload.invoiceId as string, state.timeZone, links);
    case 'payment_failed':
    case 'dunning_reminder':
    case 'dunning_second_reminder':
    case 'dunning_final_notice': {
      const document = await loadInvoiceDocument(em, payload.invoiceId as string, state.timeZone);
      const failed = {
        ...common,
        invoiceNumber: document.input.invoice.number,
        amount: money(document.invoice.amountDue - document.invoice.amountPaid, document.invoice.currency),
        nextRetryAt: state.dunning?.nextRetryAt ?? state.period.end,
        updatePaymentUrl: updatePaymentUrl(),
        incompleteExpiresAt: state.status === 'incomplete' ? state.incompleteExpiresAt : null,
        hardDecline: payload.hardDecline ?? false,
      };
      template =
        payload.kind === 'dunning_final_notice'
          ? {
              kind: payload.kind,
              locale,
              data: { ...failed, finalAction: seller?.dunningPolicy.finalAction ?? 'cancel' },
            }
          : { kind: payload.kind, locale, data: failed };
      break;
    }
    case 'paused':
      template = {
        kind: 'paused',
        locale,
        data: {
          ...common,
          planName,
          pausedAt: state.pause?.since ?? state.period.end,
          resumesAt: state.pause?.resumesAt ?? undefined,
        },
      };
      break;
    case 'resumed':
      template = {
        kind: 'resumed',
        locale,
        data: { ...common, planName, resumedAt: state.anchor, nextBillingAt: state.period.end },
      };
      break;
    case 'plan_changed':
      template = {
        kind: 'plan_changed',
        locale,
        data: {
          ...common,
          fromPlanName: itemNames(payload.previousItems ?? state.items),
          toPlanName: planName,
          effectiveAt: payload.at,
          newAmount: periodAmount,
          interval: state.interval,
        },
      };
      break;
    case 'canceled':
      template = {
        kind: 'canceled',
        locale,
        data: {
          ...common,
          planName,
          endsAt: state.canceledAt ?? state.period.end,
          atPeriodEnd: state.canceledAt === state.period.end,
          portalUrl: portalUrl(),
        },
      };
      break;
    case 'needs_attention':
      template = {
        kind: 'needs_attention',
        locale,
        data: {
          ...common,
          customerName: seller?.name ?? '',
          subscriptionId: state.subscriptionId,
          code: state.attention?.code ?? 'unknown',
          message: state.attention?.message ?? '',
          since: state.attention?.since ?? payload.at,
        },
      };
      break;
  }
  const rendered = renderEmailTemplate(template);
  return { subject: rendered.subject, text: rendered.text, html: rendered.html, attachments };
}
