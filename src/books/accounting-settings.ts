/**
 * What the seller tells Perennial about their books (`PUT /v1/settings/accounting`), stored as one JSON column on
 * the seller settings. Everything is optional: without it the DATEV header has no consultant and client numbers
 * (the export asks for them), the chart is SKR03 and the accounts are its defaults.
 */
export type ChartOfAccounts = 'skr03' | 'skr04';

/** Any account of `AccountMap` may be overridden; rates are basis points as strings (`"1900"`). */
export type AccountOverrides = {
  receivables?: number;
  revenueByRate?: Record<string, number>;
  vatByRate?: Record<string, number>;
  revenueReverseCharge?: number;
  revenueOss?: number;
  vatOss?: number;
  revenueExport?: number;
  clearing?: number;
  fees?: number;
};

export type AccountingSettings = {
  chart?: ChartOfAccounts;
  datev?: {
    consultantNumber?: number;
    clientNumber?: number;
    /** Digits of a general ledger account (Sachkontenlänge), 4 to 8; personal accounts have one more. */
    accountLength?: number;
    /** Month the fiscal year starts in (1 = January). */
    fiscalYearStartMonth?: number;
  };
  accounts?: Partial<Record<ChartOfAccounts, AccountOverrides>>;
  /** The seller's contact an EN 16931 e-invoice must name (BT-41 to BT-43) and its electronic address (BT-34). */
  einvoice?: { contactName?: string; contactPhone?: string; contactEmail?: string };
};
