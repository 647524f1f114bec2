import type { DunningFinalAction, Interval } from '../../domain';
import { INVOICE_TOTALS_LABELS } from '../../documents/invoice-labels';
import { invoiceNotes } from '../../documents/invoice-notes';
import { action, paragraphs, receiptRows, type Formatters, type LocaleCatalogue } from './catalogue';
import type { DunningEmailData } from './types';

const UNITS = {
  day: ['Tag', 'Tage'],
  week: ['Woche', 'Wochen'],
  month: ['Monat', 'Monate'],
  year: ['Jahr', 'Jahre'],
};

function perInterval({ unit, count }: Interval): string {
  return count === 1 ? `pro ${UNITS[unit][0]}` : `alle ${count} ${UNITS[unit][1]}`;
}

const FINAL_ACTION: Record<DunningFinalAction, string> = {
  cancel: 'wird Ihr Abonnement gekündigt',
  pause: 'wird Ihr Abonnement pausiert',
  unpaid: 'wird Ihr Abonnement bis zur Zahlung der Rechnung ausgesetzt',
};

function retryParagraphs(data: DunningEmailData, format: Formatters) {
  return paragraphs(
    data.hardDecline
      ? 'Ihre Karte kann nicht mehr belastet werden (sie ist abgelaufen oder wurde gesperrt); wir versuchen es ' +
          'daher nicht erneut. Bitte hinterlegen Sie eine neue Zahlungsmethode, wir belasten sie sofort.'
      : `Wir versuchen die Zahlung am ${format.date(data.nextRetryAt)} erneut. ` +
          'Bitte prüfen Sie bis dahin Ihre Zahlungsmethode.',
  );
}

/** Formal address ("Sie") throughout, as customers of a business expect in German. */
export const de: LocaleCatalogue = {
  greeting: (customerName) => (customerName === '' ? 'Guten Tag,' : `Guten Tag ${customerName},`),
  closing: 'Mit freundlichen Grüßen',
  templates: {
    welcome: (data, format) => ({
      subject: `Willkommen bei ${data.planName}`,
      blocks: [
        ...paragraphs(
          `vielen Dank für Ihr Abonnement ${data.planName}.`,
          data.trialEndsAt === undefined
            ? 'Ihr Abonnement ist ab sofort aktiv.'
            : `Ihr kostenloser Testzeitraum läuft bis zum ${format.date(data.trialEndsAt)}. ` +
                'Bis dahin fallen keine Kosten an.',
        ),
        ...action('Abonnement verwalten', data.portalUrl),
      ],
    }),

    trial_ending: (data, format) => ({
      subject: `Ihr Testzeitraum endet am ${format.date(data.trialEndsAt)}`,
      blocks: [
        ...paragraphs(
          `Ihr kostenloser Testzeitraum für ${data.planName} endet am ${format.date(data.trialEndsAt)}.`,
          data.hasPaymentMethod
            ? `Danach buchen wir ${format.amount(data.amount)} für den ersten Abrechnungszeitraum ab.`
            : 'Bitte hinterlegen Sie bis dahin eine Zahlungsmethode, damit Ihr Abonnement ' +
                `für ${format.amount(data.amount)} weiterläuft.`,
        ),
        ...action(
          data.hasPaymentMethod ? 'Zahlungsmethode verwalten' : 'Zahlungsmethode hinterlegen',
          data.updatePaymentUrl,
        ),
      ],
    }),

    upcoming_renewal: (data, format) => ({
      subject: `Ihr Abonnement verlängert sich am ${format.date(data.renewsAt)}`,
      blocks: [
        ...paragraphs(
          `Ihr Abonnement ${data.planName} verlängert sich am ${format.date(data.renewsAt)}. ` +
            `Wir buchen dann ${format.amount(data.amount)} von Ihrer hinterlegten Zahlungsmethode ab.`,
        ),
        ...action('Abonnement verwalten', data.portalUrl),
      ],
    }),

    receipt: (data, format) => {
      const { invoice } = data;
      return {
        subject: `Zahlungsbestätigung für Rechnung ${invoice.number}`,
        blocks: [
          ...paragraphs(
            invoice.amountDue > 0
              ? `vielen Dank für Ihre Zahlung über ${format.amount({ amount: invoice.amountDue, currency: invoice.currency })} ` +
                  `zu Rechnung ${invoice.number}, eingegangen am ${format.date(data.paidAt)}.`
              : `Rechnung ${invoice.number} wurde mit Ihrem Guthaben beglichen; es war keine Zahlung fällig.`,
            data.periodStart !== undefined &&
              data.periodEnd !== undefined &&
              `Leistungszeitraum: ${format.date(data.periodStart)} – ${format.date(data.periodEnd)}`,
          ),
          {
            type: 'table',
            rows: receiptRows(invoice, INVOICE_TOTALS_LABELS.de, format),
          },
          ...paragraphs(
            ...invoiceNotes(invoice.notes, invoice.taxes, 'de'),
            data.pdfAttached && 'Die Rechnung finden Sie als PDF im Anhang.',
          ),
          ...action('Rechnung ansehen', data.invoiceUrl),
        ],
      };
    },

    payment_failed: (data, format) => ({
      subject: `Zahlung fehlgeschlagen: Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `leider konnten wir ${format.amount(data.amount)} für Rechnung ${data.invoiceNumber} nicht einziehen.`,
          data.incompleteExpiresAt
            ? 'Ihr Abonnement beginnt, sobald die Rechnung bezahlt ist. Bitte aktualisieren Sie Ihre ' +
                `Zahlungsmethode bis zum ${format.date(data.incompleteExpiresAt)}, sonst beginnt das Abonnement nicht.`
            : data.hardDecline
              ? 'Ihre Karte kann nicht mehr belastet werden (sie ist abgelaufen oder wurde gesperrt); wir ' +
                'versuchen es daher nicht erneut. Bitte hinterlegen Sie eine neue Zahlungsmethode, wir belasten ' +
                'sie sofort.'
              : `Wir versuchen es am ${format.date(data.nextRetryAt)} erneut. ` +
                'Bitte aktualisieren Sie Ihre Zahlungsmethode, damit Ihr Abonnement ohne Unterbrechung weiterläuft.',
        ),
        ...action('Zahlungsmethode aktualisieren', data.updatePaymentUrl),
      ],
    }),

    dunning_reminder: (data, format) => ({
      subject: `Zahlungserinnerung: Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `Rechnung ${data.invoiceNumber} über ${format.amount(data.amount)} ist noch nicht bezahlt.`,
        ),
        ...retryParagraphs(data, format),
        ...action('Zahlungsmethode aktualisieren', data.updatePaymentUrl),
      ],
    }),

    dunning_second_reminder: (data, format) => ({
      subject: `Zweite Zahlungserinnerung: Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `Rechnung ${data.invoiceNumber} über ${format.amount(data.amount)} ist weiterhin nicht bezahlt; ` +
            'unsere bisherigen Zahlungsversuche sind fehlgeschlagen.',
        ),
        ...retryParagraphs(data, format),
        ...action('Zahlungsmethode aktualisieren', data.updatePaymentUrl),
      ],
    }),

    dunning_final_notice: (data, format) => ({
      subject: `Letzte Mahnung: Rechnung ${data.invoiceNumber}`,
      blocks: [
        ...paragraphs(
          `dies ist die letzte Mahnung zu Rechnung ${data.invoiceNumber} über ${format.amount(data.amount)}.`,
          `Am ${format.date(data.nextRetryAt)} unternehmen wir einen letzten Zahlungsversuch. ` +
            `Schlägt er fehl, ${FINAL_ACTION[data.finalAction]}.`,
        ),
        ...action('Zahlungsmethode aktualisieren', data.updatePaymentUrl),
      ],
    }),

    paused: (data, format) => ({
      subject: 'Ihr Abonnement ist pausiert',
      blocks: paragraphs(
        `Ihr Abonnement ${data.planName} ist seit dem ${format.date(data.pausedAt)} pausiert.`,
        data.resumesAt === undefined
          ? 'Es bleibt pausiert, bis Sie es fortsetzen.'
          : `Es wird am ${format.date(data.resumesAt)} automatisch fortgesetzt.`,
        'Während der Pause stellen wir Ihnen nichts in Rechnung.',
      ),
    }),

    resumed: (data, format) => ({
      subject: 'Ihr Abonnement läuft wieder',
      blocks: paragraphs(
        `Ihr Abonnement ${data.planName} wurde am ${format.date(data.resumedAt)} fortgesetzt.`,
        `Die nächste Abrechnung erfolgt am ${format.date(data.nextBillingAt)}.`,
      ),
    }),

    plan_changed: (data, format) => ({
      subject: `Ihr Tarif wechselt zu ${data.toPlanName}`,
      blocks: paragraphs(
        `Ihr Abonnement wechselt mit Wirkung zum ${format.date(data.effectiveAt)} ` +
          `von ${data.fromPlanName} zu ${data.toPlanName}.`,
        `Der neue Preis beträgt ${format.amount(data.newAmount)} ${perInterval(data.interval)}.`,
      ),
    }),

    canceled: (data, format) => ({
      subject: 'Ihr Abonnement wurde gekündigt',
      blocks: [
        ...paragraphs(
          data.atPeriodEnd
            ? `Ihr Abonnement ${data.planName} wurde gekündigt. ` +
                `Sie können es noch bis zum ${format.date(data.endsAt)} nutzen.`
            : `Ihr Abonnement ${data.planName} wurde gekündigt und endete am ${format.date(data.endsAt)}.`,
          'Vielen Dank, dass Sie unser Kunde waren.',
        ),
        ...action('Abonnement verwalten', data.portalUrl),
      ],
    }),

    needs_attention: (data, format) => ({
      subject: `Abonnement ${data.subscriptionId} braucht Aufmerksamkeit`,
      blocks: [
        ...paragraphs(
          `Abonnement ${data.subscriptionId} wurde am ${format.date(data.since)} angehalten, weil es mit seinen ` +
            `Daten nicht abgerechnet werden kann (${data.code}: ${data.message}).`,
          'Bis die Ursache behoben ist, wird nichts wiederholt. Danach setzen Sie es mit ' +
            `POST /v1/subscriptions/${data.subscriptionId}/retry fort.`,
        ),
      ],
    }),

    credit_note: (data, format) => ({
      subject: `Rechnungskorrektur ${data.creditNoteNumber} zu Rechnung ${data.invoiceNumber}`,
      blocks: paragraphs(
        `Wir haben am ${format.date(data.issuedAt)} die Rechnungskorrektur ${data.creditNoteNumber} über ` +
          `${format.amount(data.amount)} zu Rechnung ${data.invoiceNumber} ausgestellt.`,
        data.outcome === 'credit_balance'
          ? 'Der Betrag wurde Ihrem Kundenkonto gutgeschrieben und wird mit Ihren nächsten Rechnungen verrechnet.'
          : data.outcome === 'refund'
            ? 'Der Betrag wurde auf Ihr Zahlungsmittel erstattet; die Gutschrift kann einige Tage dauern.'
            : 'Zu dieser Rechnungskorrektur erfolgt keine Zahlung.',
        data.documentAttached && 'Die Rechnungskorrektur finden Sie im Anhang.',
      ),
    }),
  },
};
