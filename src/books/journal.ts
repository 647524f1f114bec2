import type { TaxPart } from '../domain/allocation';
import type { CalendarDate } from '../domain/revenue-recognition';
import type { AccountMap } from './accounts';

/**
 * The journal: every booking the documents cause, double-entry, one debit and one credit account per entry. The
 * DATEV export and the plain journal CSV are two renderings of these same entries. Amounts are positive minor units
 * (a negative booking swaps its accounts); a revenue booking on an automatic account is the gross, the VAT in it
 * named beside it (`tax`), as DATEV books it.
 */

/** Where a sale is taxed, which decides its revenue account. */
export type TaxTreatment = 'domestic' | 'reverse_charge' | 'oss' | 'export';

export type LedgerCustomer = {
  id: string;
  name: string;
  debtorAccount: number;
  country: string;
  vatId?: string | null;
};

export type LedgerInvoice = {
  id: string;
  number: string;
  date: CalendarDate;
  currency: string;
  customer: LedgerCustomer;
  /** Net and VAT per rate, Σ = the invoice total. */
  parts: TaxPart[];
  treatment: TaxTreatment;
};

export type LedgerVoid = LedgerInvoice & { voidedOn: CalendarDate };

export type LedgerCreditNote = {
  id: string;
  number: string;
  date: CalendarDate;
  currency: string;
  customer: LedgerCustomer;
  invoiceNumber: string;
  parts: TaxPart[];
  treatment: TaxTreatment;
};

export type LedgerPayment = {
  id: string;
  date: CalendarDate;
  currency: string;
  customer: LedgerCustomer;
  amount: number;
  invoiceNumber: string;
};

export type LedgerRefund = LedgerPayment & {
  kind: 'refund' | 'chargeback';
  /**
   * The part of a refund no credit note covers corrects the invoice all the same (the customer got money back for
   * what was billed): it is booked as an implicit correction, split like the invoice's VAT.
   */
  correction?: { parts: TaxPart[]; treatment: TaxTreatment };
};

export type LedgerFee = {
  id: string;
  date: CalendarDate;
  currency: string;
  amount: number;
  reference: string;
  description: string;
};

export type LedgerDocuments = {
  invoices: LedgerInvoice[];
  voids: LedgerVoid[];
  creditNotes: LedgerCreditNote[];
  payments: LedgerPayment[];
  refunds: LedgerRefund[];
  fees: LedgerFee[];
};

export type EntryKind =
  | 'invoice'
  | 'invoice_void'
  | 'credit_note'
  | 'payment'
  | 'refund'
  | 'refund_correction'
  | 'chargeback'
  | 'fee';

export type JournalEntry = {
  date: CalendarDate;
  kind: EntryKind;
  /** The document's number (DATEV "Belegfeld 1"); payments and refunds carry their invoice's, to match open items. */
  documentNumber: string;
  /** A second reference: the corrected invoice of a credit note. */
  reference?: string;
  documentId: string;
  text: string;
  debit: number;
  credit: number;
  amount: number;
  currency: string;
  customerId?: string;
  /** The VAT contained in `amount` on an automatic revenue account, and the account DATEV posts it to. */
  tax?: { rateBp: number; amount: number; account?: number };
  /** DATEV "EU-Land u. UStID (Bestimmung)": the OSS destination country, or the reverse-charge customer's VAT id. */
  euDestination?: string;
  /** DATEV "EU-Steuersatz (Bestimmung)": the destination's rate of an OSS sale. */
  euRateBp?: number;
};

export class AccountMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountMappingError';
  }
}

type Side = { account: number };

/** A signed booking from `debit` to `credit`; a negative amount books the other way round, a zero none. */
function entry(
  base: Omit<JournalEntry, 'debit' | 'credit' | 'amount'>,
  debit: Side,
  credit: Side,
  signed: number,
): JournalEntry[] {
  if (signed === 0) return [];
  return [
    signed > 0
      ? { ...base, debit: debit.account, credit: credit.account, amount: signed }
      : { ...base, debit: credit.account, credit: debit.account, amount: -signed },
  ];
}

function normalizedVatId(vatId: string | null | undefined): string | undefined {
  const value = vatId?.replace(/[\s.-]/g, '').toUpperCase();
  return value ? value : undefined;
}

/**
 * The revenue bookings of one document's rate parts, debtor against revenue. `sign` 1 books a sale (an invoice),
 * −1 takes it back (a void, a credit note, a refund's correction).
 */
function revenueEntries(
  accounts: AccountMap,
  customer: LedgerCustomer,
  parts: readonly TaxPart[],
  treatment: TaxTreatment,
  sign: 1 | -1,
  base: Omit<JournalEntry, 'debit' | 'credit' | 'amount' | 'tax'>,
): JournalEntry[] {
  const debtor = { account: customer.debtorAccount };
  return parts.flatMap((part) => {
    const gross = part.taxable + part.tax;
    switch (treatment) {
      case 'reverse_charge': {
        const destination = normalizedVatId(customer.vatId);
        return entry(
          { ...base, ...(destination ? { euDestination: destination } : {}) },
          debtor,
          { account: accounts.revenueReverseCharge },
          sign * gross,
        );
      }
      case 'export':
        return entry(base, debtor, { account: accounts.revenueExport }, sign * gross);
      case 'oss': {
        // Net and VAT on accounts of their own: the foreign VAT is declared through the One-Stop-Shop. The
        // destination and its rate go with the revenue booking, which is what the OSS return is made from.
        const oss = { ...base, euDestination: customer.country, euRateBp: part.rateBp };
        return [
          ...entry(oss, debtor, { account: accounts.revenueOss }, sign * part.taxable),
          ...entry(base, debtor, { account: accounts.vatOss }, sign * part.tax),
        ];
      }
      case 'domestic': {
        const revenue = accounts.revenueByRate[String(part.rateBp)];
        if (revenue === undefined) {
          throw new AccountMappingError(
            `No revenue account for VAT rate ${part.rateBp} bp in ${accounts.chart}: set accounts.${accounts.chart}` +
              `.revenue_by_rate["${part.rateBp}"] with PUT /v1/settings/accounting`,
          );
        }
        const vatAccount = accounts.vatByRate[String(part.rateBp)];
        const tax =
          part.tax !== 0 || part.rateBp !== 0
            ? {
                tax: {
                  rateBp: part.rateBp,
                  amount: Math.abs(part.tax),
                  ...(vatAccount ? { account: vatAccount } : {}),
                },
              }
            : {};
        return entry({ ...base, ...tax }, debtor, { account: revenue }, sign * gross);
      }
    }
  });
}

/** Every booking of the documents, in date order (documents of a day in the order invoices, voids, notes, money). */
export function journalEntries(documents: LedgerDocuments, accounts: AccountMap): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const invoice of documents.invoices) {
    entries.push(
      ...revenueEntries(accounts, invoice.customer, invoice.parts, invoice.treatment, 1, {
        date: invoice.date,
        kind: 'invoice',
        documentNumber: invoice.number,
        documentId: invoice.id,
        text: `Rechnung ${invoice.number} ${invoice.customer.name}`,
        currency: invoice.currency,
        customerId: invoice.customer.id,
      }),
    );
  }
  for (const voided of documents.voids) {
    entries.push(
      ...revenueEntries(accounts, voided.customer, voided.parts, voided.treatment, -1, {
        date: voided.voidedOn,
        kind: 'invoice_void',
        documentNumber: voided.number,
        documentId: voided.id,
        text: `Storno Rechnung ${voided.number} ${voided.customer.name}`,
        currency: voided.currency,
        customerId: voided.customer.id,
      }),
    );
  }
  for (const note of documents.creditNotes) {
    entries.push(
      ...revenueEntries(accounts, note.customer, note.parts, note.treatment, -1, {
        date: note.date,
        kind: 'credit_note',
        documentNumber: note.number,
        reference: note.invoiceNumber,
        documentId: note.id,
        text: `Rechnungskorrektur ${note.number} zu ${note.invoiceNumber}`,
        currency: note.currency,
        customerId: note.customer.id,
      }),
    );
  }
  const clearing = { account: accounts.clearing };
  for (const payment of documents.payments) {
    entries.push(
      ...entry(
        {
          date: payment.date,
          kind: 'payment',
          documentNumber: payment.invoiceNumber,
          documentId: payment.id,
          text: `Zahlung Rechnung ${payment.invoiceNumber} ${payment.customer.name}`,
          currency: payment.currency,
          customerId: payment.customer.id,
        },
        clearing,
        { account: payment.customer.debtorAccount },
        payment.amount,
      ),
    );
  }
  for (const refund of documents.refunds) {
    const chargeback = refund.kind === 'chargeback';
    entries.push(
      ...entry(
        {
          date: refund.date,
          kind: chargeback ? 'chargeback' : 'refund',
          documentNumber: refund.invoiceNumber,
          documentId: refund.id,
          text: `${chargeback ? 'Rückbelastung' : 'Erstattung'} Rechnung ${refund.invoiceNumber} ${refund.customer.name}`,
          currency: refund.currency,
          customerId: refund.customer.id,
        },
        { account: refund.customer.debtorAccount },
        clearing,
        refund.amount,
      ),
    );
    if (refund.correction) {
      entries.push(
        ...revenueEntries(
          accounts,
          refund.customer,
          refund.correction.parts,
          refund.correction.treatment,
          -1,
          {
            date: refund.date,
            kind: 'refund_correction',
            documentNumber: refund.invoiceNumber,
            documentId: refund.id,
            text: `Korrektur durch Erstattung Rechnung ${refund.invoiceNumber}`,
            currency: refund.currency,
            customerId: refund.customer.id,
          },
        ),
      );
    }
  }
  for (const fee of documents.fees) {
    entries.push(
      ...entry(
        {
          date: fee.date,
          kind: 'fee',
          documentNumber: fee.reference,
          documentId: fee.id,
          text: fee.description,
          currency: fee.currency,
        },
        { account: accounts.fees },
        clearing,
        fee.amount,
      ),
    );
  }
  const order: EntryKind[] = [
    'invoice',
    'invoice_void',
    'credit_note',
    'refund_correction',
    'payment',
    'refund',
    'chargeback',
    'fee',
  ];
  return entries
    .map((value, index) => ({ value, index }))
    .sort(
      (a, b) =>
        (a.value.date < b.value.date ? -1 : a.value.date > b.value.date ? 1 : 0) ||
        order.indexOf(a.value.kind) - order.indexOf(b.value.kind) ||
        a.index - b.index,
    )
    .map(({ value }) => value);
}

/** Σ debits − Σ credits per account: the trial balance of the entries. */
export function accountBalances(entries: readonly JournalEntry[]): Map<number, number> {
  const balances = new Map<number, number>();
  for (const item of entries) {
    balances.set(item.debit, (balances.get(item.debit) ?? 0) + item.amount);
    balances.set(item.credit, (balances.get(item.credit) ?? 0) - item.amount);
  }
  return balances;
}
