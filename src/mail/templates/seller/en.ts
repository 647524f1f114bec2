import type { EmailTableRow } from '../layout';
import { paragraphs, type Formatters } from '../catalogue';
import type { DisputeClosedEmailData, DisputeEmailData, SellerCatalogue } from './types';

function facts(data: DisputeEmailData, format: Formatters, reason: string): EmailTableRow[] {
  return [
    { label: 'Dispute', value: data.disputeId },
    { label: `At ${data.gateway}`, value: data.gatewayDisputeId },
    { label: 'Customer', value: `${data.customerName} <${data.customerEmail}>` },
    { label: 'Invoice', value: data.invoiceNumber },
    { label: 'Disputed amount', value: format.amount(data.amount) },
    { label: 'Reason', value: reason },
    { label: 'Opened', value: format.date(data.openedAt) },
  ];
}

function closedFacts(data: DisputeClosedEmailData, format: Formatters, reason: string): EmailTableRow[] {
  return [
    ...facts(data, format, reason),
    { label: 'Decided', value: format.date(data.closedAt) },
    ...(data.fee ? [{ label: 'Dispute fee', value: format.amount(data.fee) }] : []),
  ];
}

export const sellerEn: SellerCatalogue = {
  greeting: (sellerName) => (sellerName === '' ? 'Hello,' : `Hello ${sellerName},`),
  closing: 'Your billing system',
  reasons: {
    bank_cannot_process: 'the bank cannot process it',
    credit_not_processed: 'a promised credit was not processed',
    customer_initiated: 'initiated by the customer',
    debit_not_authorized: 'debit not authorized',
    duplicate: 'duplicate payment',
    fraudulent: 'fraudulent (the cardholder did not authorize it)',
    general: 'general',
    incorrect_account_details: 'incorrect account details',
    insufficient_funds: 'insufficient funds',
    product_not_received: 'product not received',
    product_unacceptable: 'product unacceptable',
    subscription_canceled: 'subscription canceled',
    unrecognized: 'payment not recognized',
  },
  templates: {
    dispute_opened: (data, format, reason) => ({
      subject: `Dispute opened: ${format.amount(data.amount)} on invoice ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `${data.customerName} disputed the payment of ${format.amount(data.amount)} for invoice ` +
            `${data.invoiceNumber} with their card issuer.`,
          `Submit your evidence at ${data.gateway} before its deadline. Until the issuer decides, the gateway ` +
            'usually holds the disputed amount.',
        ),
        { type: 'table', rows: facts(data, format, reason) },
      ],
    }),

    dispute_won: (data, format, reason) => ({
      subject: `Dispute won: ${format.amount(data.amount)} on invoice ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `The card issuer decided the dispute of invoice ${data.invoiceNumber} in your favour. ` +
            'The payment stands; nothing is owed.',
        ),
        { type: 'table', rows: closedFacts(data, format, reason) },
      ],
    }),

    dispute_lost: (data, format, reason) => ({
      subject: `Dispute lost: ${format.amount(data.amount)} on invoice ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `The card issuer decided the dispute of invoice ${data.invoiceNumber} for the cardholder, who keeps ` +
            `${format.amount(data.amount)}.`,
          data.reopenedAmount.amount > 0 &&
            `Invoice ${data.invoiceNumber} is open again for ${format.amount(data.reopenedAmount)}. ` +
              (data.collectedBySubscription
                ? 'The subscription now tries to collect it, as it does after a failed payment.'
                : 'It belongs to no subscription, so nothing collects it automatically.'),
          data.fee !== null && `${data.gateway} charged a dispute fee of ${format.amount(data.fee)}.`,
        ),
        { type: 'table', rows: closedFacts(data, format, reason) },
      ],
    }),
  },
};
