import type { AccountOverrides, ChartOfAccounts } from './accounting-settings';

/**
 * The accounts Perennial books to. The defaults are DATEV's standard charts (SKR03 and SKR04) for a German seller
 * of services: revenue on the automatic accounts of each VAT rate (DATEV takes the tax out of the gross booked on
 * them), §13b reverse-charge services, OSS services to consumers in other member states (net and VAT booked
 * separately, the destination in the booking's "EU-Land" field), services to non-EU customers, the payment
 * provider's clearing account and the fees it charges. A seller overrides any of them in the accounting settings.
 */
export type AccountMap = {
  chart: ChartOfAccounts;
  /** Collective receivables account; each customer has a personal debtor account besides. */
  receivables: number;
  /** Revenue for domestic sales by VAT rate in basis points (automatic accounts: gross booked, VAT derived). */
  revenueByRate: Record<string, number>;
  /** The VAT those automatic accounts post to; the plain journal names it beside each booking. */
  vatByRate: Record<string, number>;
  /** Services to an EU business with a VAT id: the customer owes the VAT (§13b UStG, Art. 196 VAT Directive). */
  revenueReverseCharge: number;
  /** Services to consumers in other member states at their rate (OSS, §18j UStG): net revenue… */
  revenueOss: number;
  /** …and the VAT owed there, declared through the One-Stop-Shop. */
  vatOss: number;
  /** Services to customers outside the EU: not taxable in Germany. */
  revenueExport: number;
  /** Money in transit at the payment provider (Geldtransit) until it reaches the bank. */
  clearing: number;
  /** Fees the payment provider keeps (dispute fees included). */
  fees: number;
};

export const DEFAULT_ACCOUNTS: Record<ChartOfAccounts, AccountMap> = {
  skr03: {
    chart: 'skr03',
    receivables: 1400,
    revenueByRate: { '1900': 8400, '700': 8300, '0': 8200 },
    vatByRate: { '1900': 1776, '700': 1771 },
    revenueReverseCharge: 8336,
    revenueOss: 8339,
    vatOss: 1768,
    revenueExport: 8338,
    clearing: 1360,
    fees: 4970,
  },
  skr04: {
    chart: 'skr04',
    receivables: 1200,
    revenueByRate: { '1900': 4400, '700': 4300, '0': 4200 },
    vatByRate: { '1900': 3806, '700': 3801 },
    revenueReverseCharge: 4336,
    revenueOss: 4339,
    vatOss: 3818,
    revenueExport: 4338,
    clearing: 1460,
    fees: 6855,
  },
};

/** The chart's defaults with the seller's overrides laid over them (rate tables merged rate by rate). */
export function resolveAccounts(chart: ChartOfAccounts, overrides: AccountOverrides | undefined): AccountMap {
  const base = DEFAULT_ACCOUNTS[chart];
  if (!overrides) return base;
  return {
    ...base,
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => typeof value === 'number')),
    revenueByRate: { ...base.revenueByRate, ...overrides.revenueByRate },
    vatByRate: { ...base.vatByRate, ...overrides.vatByRate },
    chart,
  };
}

/**
 * A customer's personal (debtor) account: DATEV reserves 10000–69999 for debtors when general ledger accounts have
 * four digits (one digit more for each digit more); the first customer gets 10001. `debtorNumber` counts customers
 * from 1 in the order they were first exported, and never changes.
 */
export function debtorAccount(debtorNumber: number, accountLength: number): number {
  const first = 10 ** accountLength;
  const account = first + debtorNumber;
  if (!Number.isSafeInteger(debtorNumber) || debtorNumber < 1 || account > 7 * first - 1) {
    throw new RangeError(`Debtor number ${debtorNumber} does not fit the ${accountLength}-digit chart`);
  }
  return account;
}
