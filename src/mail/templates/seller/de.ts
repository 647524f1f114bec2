import type { EmailTableRow } from '../layout';
import { paragraphs, type Formatters } from '../catalogue';
import type { DisputeClosedEmailData, DisputeEmailData, SellerCatalogue } from './types';

function facts(data: DisputeEmailData, format: Formatters, reason: string): EmailTableRow[] {
  return [
    { label: 'Rückbuchung', value: data.disputeId },
    { label: `Bei ${data.gateway}`, value: data.gatewayDisputeId },
    { label: 'Kunde', value: `${data.customerName} <${data.customerEmail}>` },
    { label: 'Rechnung', value: data.invoiceNumber },
    { label: 'Beanstandeter Betrag', value: format.amount(data.amount) },
    { label: 'Grund', value: reason },
    { label: 'Eröffnet', value: format.date(data.openedAt) },
  ];
}

function closedFacts(data: DisputeClosedEmailData, format: Formatters, reason: string): EmailTableRow[] {
  return [
    ...facts(data, format, reason),
    { label: 'Entschieden', value: format.date(data.closedAt) },
    ...(data.fee ? [{ label: 'Rückbuchungsgebühr', value: format.amount(data.fee) }] : []),
  ];
}

/** Formal address ("Sie"), as in the customer emails. */
export const sellerDe: SellerCatalogue = {
  greeting: (sellerName) => (sellerName === '' ? 'Guten Tag,' : `Guten Tag ${sellerName},`),
  closing: 'Ihr Abrechnungssystem',
  reasons: {
    bank_cannot_process: 'die Bank kann die Zahlung nicht verarbeiten',
    credit_not_processed: 'eine zugesagte Gutschrift wurde nicht erteilt',
    customer_initiated: 'vom Kunden veranlasst',
    debit_not_authorized: 'Lastschrift nicht autorisiert',
    duplicate: 'doppelte Zahlung',
    fraudulent: 'betrügerisch (vom Karteninhaber nicht autorisiert)',
    general: 'allgemein',
    incorrect_account_details: 'falsche Kontodaten',
    insufficient_funds: 'keine ausreichende Deckung',
    product_not_received: 'Ware oder Leistung nicht erhalten',
    product_unacceptable: 'Ware oder Leistung mangelhaft',
    subscription_canceled: 'Abonnement gekündigt',
    unrecognized: 'Zahlung nicht erkannt',
  },
  templates: {
    dispute_opened: (data, format, reason) => ({
      subject: `Rückbuchung eröffnet: ${format.amount(data.amount)} zu Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `${data.customerName} hat die Zahlung von ${format.amount(data.amount)} für Rechnung ` +
            `${data.invoiceNumber} bei der kartenausgebenden Bank beanstandet.`,
          `Reichen Sie Ihre Nachweise bei ${data.gateway} vor Ablauf der Frist ein. Bis die Bank entscheidet, ` +
            'hält der Zahlungsdienst den beanstandeten Betrag in der Regel zurück.',
        ),
        { type: 'table', rows: facts(data, format, reason) },
      ],
    }),

    dispute_won: (data, format, reason) => ({
      subject: `Rückbuchung gewonnen: ${format.amount(data.amount)} zu Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `Die kartenausgebende Bank hat die Beanstandung von Rechnung ${data.invoiceNumber} zu Ihren Gunsten ` +
            'entschieden. Die Zahlung bleibt bestehen; es ist nichts offen.',
        ),
        { type: 'table', rows: closedFacts(data, format, reason) },
      ],
    }),

    dispute_lost: (data, format, reason) => ({
      subject: `Rückbuchung verloren: ${format.amount(data.amount)} zu Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `Die kartenausgebende Bank hat die Beanstandung von Rechnung ${data.invoiceNumber} zugunsten des ` +
            `Karteninhabers entschieden, der ${format.amount(data.amount)} zurückerhält.`,
          data.reopenedAmount.amount > 0 &&
            `Rechnung ${data.invoiceNumber} ist mit ${format.amount(data.reopenedAmount)} wieder offen. ` +
              (data.collectedBySubscription
                ? 'Das Abonnement versucht nun, den Betrag einzuziehen, wie nach einer fehlgeschlagenen Zahlung.'
                : 'Sie gehört zu keinem Abonnement; nichts zieht den Betrag automatisch ein.'),
          data.fee !== null &&
            `${data.gateway} hat eine Rückbuchungsgebühr von ${format.amount(data.fee)} berechnet.`,
        ),
        { type: 'table', rows: closedFacts(data, format, reason) },
      ],
    }),
  },
};
