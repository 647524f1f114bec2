import iconv from 'iconv-lite';
import { DEFAULT_ACCOUNTS, debtorAccount, resolveAccounts } from '../../../src/books/accounts';
import {
  datevAmount,
  DatevFormatError,
  fiscalYearStart,
  renderDatevBuchungsstapel,
  type DatevHeader,
} from '../../../src/books/datev';
import {
  AccountMappingError,
  accountBalances,
  journalEntries,
  type LedgerCustomer,
  type LedgerDocuments,
} from '../../../src/books/journal';
import { parseDatev } from '../../support/datev';

const customer: LedgerCustomer = {
  id: 'cus_1',
  name: 'Kaffee "Süd" GmbH',
  debtorAccount: 10001,
  country: 'DE',
};
const part = (rateBp: number, taxable: number, tax: number) => ({
  rateBp,
  taxable,
  tax,
  reverseCharge: false,
  inclusive: false,
});
const none: LedgerDocuments = {
  invoices: [],
  voids: [],
  creditNotes: [],
  payments: [],
  refunds: [],
  fees: [],
};
const header: DatevHeader = {
  createdAt: new Date('2026-03-02T09:15:30.123Z'),
  consultantNumber: 29098,
  clientNumber: 55003,
  fiscalYearStart: '2026-01-01',
  accountLength: 4,
  from: '2026-01-01',
  to: '2026-01-31',
  currency: 'EUR',
  chart: 'skr04',
};

describe('the journal', () => {
  it('books a 7 % invoice on SKR04 4300, its void back the other way, and balances to zero', () => {
    const invoice = {
      id: 'in_1',
      number: '2026-000001',
      date: '2026-01-10',
      currency: 'EUR',
      customer,
      parts: [part(700, 1000, 70)],
      treatment: 'domestic' as const,
    };
    const entries = journalEntries(
      { ...none, invoices: [invoice], voids: [{ ...invoice, voidedOn: '2026-01-12' }] },
      DEFAULT_ACCOUNTS.skr04,
    );
    expect(entries.map((e) => [e.kind, e.debit, e.credit, e.amount, e.tax])).toEqual([
      ['invoice', 10001, 4300, 1070, { rateBp: 700, amount: 70, account: 3801 }],
      ['invoice_void', 4300, 10001, 1070, { rateBp: 700, amount: 70, account: 3801 }],
    ]);
    expect([...accountBalances(entries).values()].every((balance) => balance === 0)).toBe(true);
  });

  it('books a negative invoice (a downgrade’s credit) with its accounts swapped, never a negative amount', () => {
    const entries = journalEntries(
      {
        ...none,
        invoices: [
          {
            id: 'in_2',
            number: '2026-000002',
            date: '2026-01-10',
            currency: 'EUR',
            customer,
            parts: [part(1900, -500, -95)],
            treatment: 'domestic',
          },
        ],
      },
      DEFAULT_ACCOUNTS.skr03,
    );
    expect(entries.map((e) => [e.debit, e.credit, e.amount])).toEqual([[8400, 10001, 595]]);
  });

  it('refuses to guess a revenue account for a rate the chart does not map, and takes the seller’s override', () => {
    const documents: LedgerDocuments = {
      ...none,
      invoices: [
        {
          id: 'in_3',
          number: '2026-000003',
          date: '2026-01-10',
          currency: 'EUR',
          customer,
          parts: [part(810, 1000, 81)],
          treatment: 'domestic',
        },
      ],
    };
    expect(() => journalEntries(documents, DEFAULT_ACCOUNTS.skr03)).toThrow(AccountMappingError);
    const accounts = resolveAccounts('skr03', { revenueByRate: { '810': 8410 }, clearing: 1361 });
    expect(accounts.revenueByRate).toEqual({ '1900': 8400, '700': 8300, '0': 8200, '810': 8410 });
    expect(accounts.clearing).toBe(1361);
    expect(journalEntries(documents, accounts)[0]).toMatchObject({ credit: 8410, amount: 1081 });
  });

  it('books a refund no credit note covers as money out plus an implicit correction of the revenue', () => {
    const entries = journalEntries(
      {
        ...none,
        refunds: [
          {
            id: 're_1',
            date: '2026-01-20',
            currency: 'EUR',
            customer,
            amount: 1190,
            invoiceNumber: '2026-000001',
            kind: 'refund',
            correction: { parts: [part(1900, 1000, 190)], treatment: 'domestic' },
          },
        ],
      },
      DEFAULT_ACCOUNTS.skr03,
    );
    expect(entries.map((e) => [e.kind, e.debit, e.credit, e.amount])).toEqual([
      ['refund_correction', 8400, 10001, 1190],
      ['refund', 10001, 1360, 1190],
    ]);
  });

  it('books a dispute fee the gateway kept against the clearing account', () => {
    const entries = journalEntries(
      {
        ...none,
        fees: [
          {
            id: 'dp_1',
            date: '2026-01-25',
            currency: 'EUR',
            amount: 1500,
            reference: '2026-000001',
            description: 'Gebühr Rückbelastung Rechnung 2026-000001',
          },
        ],
      },
      DEFAULT_ACCOUNTS.skr03,
    );
    expect(entries.map((e) => [e.kind, e.debit, e.credit, e.amount, e.documentNumber])).toEqual([
      ['fee', 4970, 1360, 1500, '2026-000001'],
    ]);
  });

  it('numbers debtors from 10001, with one digit more per digit of a longer chart', () => {
    expect(debtorAccount(1, 4)).toBe(10001);
    expect(debtorAccount(42, 5)).toBe(100042);
    expect(() => debtorAccount(60_000, 4)).toThrow(RangeError);
  });
});

describe('the DATEV Buchungsstapel', () => {
  it('writes amounts with a decimal comma and two decimals, whatever the currency’s minor unit', () => {
    expect(datevAmount(2261, 'EUR')).toBe('22,61');
    expect(datevAmount(5, 'EUR')).toBe('0,05');
    expect(datevAmount(-123456, 'EUR')).toBe('1234,56');
    expect(datevAmount(500, 'JPY')).toBe('500,00');
    expect(() => datevAmount(1000, 'KWD')).toThrow(DatevFormatError);
  });

  it('finds the fiscal year of a date for a year starting in any month', () => {
    expect(fiscalYearStart('2026-03-31', 1)).toBe('2026-01-01');
    expect(fiscalYearStart('2026-03-31', 7)).toBe('2025-07-01');
    expect(fiscalYearStart('2026-07-01', 7)).toBe('2026-07-01');
  });

  it('quotes text with inner quotes doubled, in Windows-1252, and refuses a booking outside its period', () => {
    const entries = journalEntries(
      {
        ...none,
        invoices: [
          {
            id: 'in_1',
            number: '2026-000001',
            date: '2026-01-10',
            currency: 'EUR',
            customer,
            parts: [part(1900, 100_000, 19_000)],
            treatment: 'domestic',
          },
        ],
      },
      DEFAULT_ACCOUNTS.skr04,
    );
    const file = renderDatevBuchungsstapel(header, entries);
    const line = iconv.decode(file, 'win1252').split('\r\n')[2] ?? '';
    expect(
      line.startsWith(
        '1190,00;"S";"EUR";;;;10001;4400;;1001;"2026-000001";;;"Rechnung 2026-000001 Kaffee ""Süd"" GmbH"',
      ),
    ).toBe(true);
    // "ü" is one byte in Windows-1252.
    expect(file.includes(Buffer.from('S\xfcd', 'latin1'))).toBe(true);
    const parsed = parseDatev(file);
    expect(parsed.header[26]).toBe('04');
    expect(parsed.rows[0]?.['Buchungstext']).toBe('Rechnung 2026-000001 Kaffee "Süd" GmbH');
    expect(() => renderDatevBuchungsstapel({ ...header, to: '2026-01-09' }, entries)).toThrow(
      DatevFormatError,
    );
  });
});
