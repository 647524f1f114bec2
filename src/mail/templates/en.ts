import type { DunningFinalAction, Interval } from '../../domain';
import { INVOICE_TOTALS_LABELS } from '../../documents/invoice-labels';
import { invoiceNotes } from '../../documents/invoice-notes';
import { action, paragraphs, receiptRows, type Formatters, type LocaleCatalogue } from './catalogue';
import type { DunningEmailData } from './types';

const UNITS = {
  day: ['day', 'days'],
  week: ['week', 'weeks'],
  month: ['month', 'months'],
  year: ['year', 'years'],
};

function perInterval({ unit, count }: Interval): string {
  return count === 1 ? `per ${UNITS[unit][0]}` : `every ${count} ${UNITS[unit][1]}`;
}

const FINAL_ACTION: Record<DunningFinalAction, string> = {
  cancel: 'your subscription will be canceled',
  pause: 'your subscription will be paused',
  unpaid: 'your subscription will be suspended until the invoice is paid',
};

function retryParagraphs(data: DunningEmailData, format: Formatters) {
  return paragraphs(
    data.hardDecline
      ? 'Your card can no longer be charged (it has expired or was blocked), so we will not try it again. ' +
          'Please add a new payment method; we charge it at once.'
      : `We will try again on ${format.date(data.nextRetryAt)}. Please check your payment method before then.`,
  );
}

export const en: LocaleCatalogue = {
  greeting: (customerName) => (customerName === '' ? 'Hello,' : `Hello ${customerName},`),
  closing: 'Best regards,',
  templates: {
    welcome: (data, format) => ({
      subject: `Welcome to ${data.planName}`,
      blocks: [
        ...paragraphs(
          `Thank you for subscribing to ${data.planName}.`,
          data.trialEndsAt === undefined
            ? 'Your subscription is active now.'
            : `Your free trial runs until ${format.date(data.trialEndsAt)}. We will not charge you before then.`,
        ),
        ...action('Manage your subscription', data.portalUrl),
      ],
    }),

    trial_ending: (data, format) => ({
      subject: `Your trial ends on ${format.date(data.trialEndsAt)}`,
      blocks: [
        ...paragraphs(
          `Your free trial of ${data.planName} ends on ${format.date(data.trialEndsAt)}.`,
          data.hasPaymentMethod
            ? `After that, we will charge ${format.amount(data.amount)} for the first billing period.`
            : `Please add a payment method by then to continue your subscription at ${format.amount(data.amount)}.`,
        ),
        ...action(
          data.hasPaymentMethod ? 'Manage payment method' : 'Add payment method',
          data.updatePaymentUrl,
        ),
      ],
    }),

    upcoming_renewal: (data, format) => ({
      subject: `Your subscription renews on ${format.date(data.renewsAt)}`,
      blocks: [
        ...paragraphs(
          `Your subscription to ${data.planName} renews on ${format.date(data.renewsAt)}. ` +
            `We will charge ${format.amount(data.amount)} to your saved payment method.`,
        ),
        ...action('Manage your subscription', data.portalUrl),
      ],
    }),

    receipt: (data, format) => {
      const { invoice } = data;
      return {
        subject: `Receipt for invoice ${invoice.number}`,
        blocks: [
          ...paragraphs(
            invoice.amountDue > 0
              ? `Thank you for your payment of ${format.amount({ amount: invoice.amountDue, currency: invoice.currency })} ` +
                  `for invoice ${invoice.number}, received on ${format.date(data.paidAt)}.`
              : `Invoice ${invoice.number} was settled with your account credit; no payment was due.`,
            data.periodStart !== undefined &&
              data.periodEnd !== undefined &&
              `Service period: ${format.date(data.periodStart)} – ${format.date(data.periodEnd)}`,
          ),
          {
            type: 'table',
            rows: receiptRows(invoice, INVOICE_TOTALS_LABELS.en, format),
          },
          ...paragraphs(
            ...invoiceNotes(invoice.notes, invoice.taxes, 'en'),
            data.pdfAttached && 'The invoice is attached as a PDF.',
          ),
          ...action('View the invoice', data.invoiceUrl),
        ],
      };
    },

    payment_failed: (data, format) => ({
      subject: `Payment failed for invoice ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `We could not collect ${format.amount(data.amount)} for invoice ${data.invoiceNumber}.`,
          data.incompleteExpiresAt
            ? `Your subscription starts once it is paid. Please update your payment method before ` +
                `${format.date(data.incompleteExpiresAt)}, or the subscription will not start.`
            : data.hardDecline
              ? 'Your card can no longer be charged (it has expired or was blocked), so we will not try it ' +
                'again. Please add a new payment method; we charge it at once.'
              : `We will try again on ${format.date(data.nextRetryAt)}. ` +
                'Please update your payment method to keep your subscription running.',
        ),
        ...action('Update payment method', data.updatePaymentUrl),
      ],
    }),

    dunning_reminder: (data, format) => ({
      subject: `Reminder: invoice ${data.invoiceNumber} is unpaid`,
      blocks: [
        ...paragraphs(`Invoice ${data.invoiceNumber} for ${format.amount(data.amount)} is still unpaid.`),
        ...retryParagraphs(data, format),
        ...action('Update payment method', data.updatePaymentUrl),
      ],
    }),

    dunning_second_reminder: (data, format) => ({
      subject: `Second reminder: invoice ${data.invoiceNumber} is unpaid`,
      blocks: [
        ...paragraphs(
          `Invoice ${data.invoiceNumber} for ${format.amount(data.amount)} is still unpaid, ` +
            'and our earlier attempts to collect it have failed.',
        ),
        ...retryParagraphs(data, format),
        ...action('Update payment method', data.updatePaymentUrl),
      ],
    }),

    dunning_final_notice: (data, format) => ({
      subject: `Final notice: invoice ${data.invoiceNumber} is unpaid`,
      blocks: [
        ...paragraphs(
          `This is the final notice for invoice ${data.invoiceNumber} for ${format.amount(data.amount)}.`,
          `We will make a last attempt to collect it on ${format.date(data.nextRetryAt)}. ` +
            `If it fails, ${FINAL_ACTION[data.finalAction]}.`,
        ),
        ...action('Update payment method', data.updatePaymentUrl),
      ],
    }),

    paused: (data, format) => ({
      subject: 'Your subscription is paused',
      blocks: paragraphs(
        `Your subscription to ${data.planName} has been paused as of ${format.date(data.pausedAt)}.`,
        data.resumesAt === undefined
          ? 'It stays paused until you resume it.'
          : `It will resume automatically on ${format.date(data.resumesAt)}.`,
        'You will not be charged while it is paused.',
      ),
    }),

    resumed: (data, format) => ({
      subject: 'Your subscription has resumed',
      blocks: paragraphs(
        `Your subscription to ${data.planName} resumed on ${format.date(data.resumedAt)}.`,
        `Your next billing date is ${format.date(data.nextBillingAt)}.`,
      ),
    }),

    plan_changed: (data, format) => ({
      subject: `Your plan is changing to ${data.toPlanName}`,
      blocks: paragraphs(
        `Your subscription changes from ${data.fromPlanName} to ${data.toPlanName}, ` +
          `effective ${format.date(data.effectiveAt)}.`,
        `The new price is ${format.amount(data.newAmount)} ${perInterval(data.interval)}.`,
      ),
    }),

    canceled: (data, format) => ({
      subject: 'Your subscription has been canceled',
      blocks: [
        ...paragraphs(
          data.atPeriodEnd
            ? `Your subscription to ${data.planName} has been canceled. ` +
                `You can keep using it until ${format.date(data.endsAt)}.`
            : `Your subscription to ${data.planName} has been canceled and ended on ${format.date(data.endsAt)}.`,
          'Thank you for having been a customer.',
        ),
        ...action('Manage your subscription', data.portalUrl),
      ],
    }),

    needs_attention: (data, format) => ({
      subject: `Subscription ${data.subscriptionId} needs attention`,
      blocks: [
        ...paragraphs(
          `Subscription ${data.subscriptionId} stopped on ${format.date(data.since)} because of data it cannot ` +
            `bill with (${data.code}: ${data.message}).`,
          'Nothing is retried until the cause is fixed. Once it is, retry it with ' +
            `POST /v1/subscriptions/${data.subscriptionId}/retry.`,
        ),
      ],
    }),

    credit_note: (data, format) => ({
      subject: `Credit note ${data.creditNoteNumber} for invoice ${data.invoiceNumber}`,
      blocks: paragraphs(
        `We have issued credit note ${data.creditNoteNumber} of ${format.amount(data.amount)} for invoice ` +
          `${data.invoiceNumber} on ${format.date(data.issuedAt)}.`,
        data.outcome === 'credit_balance'
          ? 'The amount has been credited to your customer account and will be set against your next invoices.'
          : data.outcome === 'refund'
            ? 'The amount has been refunded to your payment method; it may take a few days to appear.'
            : 'No payment is made for this credit note.',
        data.documentAttached && 'The credit note is attached.',
      ),
    }),
  },
};
