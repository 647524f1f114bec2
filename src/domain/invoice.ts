import { discountLine, type Coupon } from './coupons';
import { applyCredit } from './credit';
import { DomainError } from './errors';
import { money, sum, type Money } from './money';
import { taxForRate, type TaxLine, type TaxTreatment } from './tax';

/** `one_off` and `dispute_fee` lines come from pending invoice items (a one-off charge or credit, a dispute fee). */
export type InvoiceLineKind =
  'subscription' | 'proration' | 'usage' | 'setup_fee' | 'one_off' | 'dispute_fee' | 'discount';

/** Amounts are minor units of the invoice's currency; a discount line is negative. */
export type InvoiceLine = {
  kind: InvoiceLineKind;
  description: string;
  amount: number;
  quantity: number;
  unitAmount?: number;
  periodStart?: string;
  periodEnd?: string;
  couponId?: string;
  /** The subscription item the line bills, when it bills one. */
  itemId?: string;
};

export type InvoiceItemInput = {
  kind: Exclude<InvoiceLineKind, 'discount'>;
  description: string;
  amount: Money;
  quantity?: number;
  unitAmount?: number;
  periodStart?: string;
  periodEnd?: string;
  itemId?: string;
};

export type DraftInvoiceInput = {
  currency: string;
  items: readonly InvoiceItemInput[];
  /** Coupons that discount this period; the caller filters them with discountAppliesToPeriod. */
  coupons?: readonly Coupon[];
  tax: TaxTreatment;
  pricesIncludeTax: boolean;
  creditBalance: Money;
};

export type DraftInvoice = {
  currency: string;
  lines: InvoiceLine[];
  /** Σ of the non-discount lines. */
  subtotal: number;
  /** Σ of the discounts as a positive number: Σ lines = subtotal − discountTotal. */
  discountTotal: number;
  taxes: TaxLine[];
  /** Σ lines + Σ taxes not already included in the line amounts. */
  total: number;
  creditApplied: number;
  amountDue: number;
  creditToBalance: number;
  notes: { en: string; de: string }[];
};

function itemLine(item: InvoiceItemInput, currency: string): InvoiceLine {
  if (item.amount.currency !== currency) {
    throw new DomainError(
      'currency_mismatch',
      `Line "${item.description}" is in ${item.amount.currency}, invoice in ${currency}`,
    );
  }
  money(item.amount.amount, currency);
  const line: InvoiceLine = {
    kind: item.kind,
    description: item.description,
    amount: item.amount.amount,
    quantity: item.quantity ?? 1,
  };
  if (item.unitAmount !== undefined) line.unitAmount = item.unitAmount;
  if (item.periodStart !== undefined) line.periodStart = item.periodStart;
  if (item.periodEnd !== undefined) line.periodEnd = item.periodEnd;
  if (item.itemId !== undefined) line.itemId = item.itemId;
  return line;
}

/**
 * Builds the draft invoice of one billing moment. Pure and order-preserving: the same input always
 * yields the same invoice. Coupons apply in the given order, each to what the previous left, so the
 * discounts never exceed the subtotal. Tax is computed once on the discounted subtotal.
 */
export function buildDraftInvoice(input: DraftInvoiceInput): DraftInvoice {
  const { currency } = input;
  money(0, currency);
  const itemLines = input.items.map((item) => itemLine(item, currency));
  const subtotal = sum(
    currency,
    itemLines.map((line) => money(line.amount, currency)),
  );

  const discountLines: InvoiceLine[] = [];
  let discountable = subtotal;
  for (const coupon of input.coupons ?? []) {
    const discount = discountLine(coupon, discountable);
    if (discount === null) continue;
    discountLines.push({
      kind: 'discount',
      description: discount.description,
      amount: discount.amount.amount,
      quantity: 1,
      couponId: discount.couponId,
    });
    discountable = money(discountable.amount + discount.amount.amount, currency);
  }
  const discountTotal = subtotal.amount - discountable.amount;

  const taxes: TaxLine[] = [];
  if (input.tax.rateBp > 0 || input.tax.reverseCharge) {
    taxes.push(taxForRate(discountable, input.tax, input.pricesIncludeTax));
  }
  const exclusiveTax = taxes.filter((tax) => !tax.inclusive).reduce((acc, tax) => acc + tax.amount, 0);
  const total = money(discountable.amount + exclusiveTax, currency);
  const credit = applyCredit(total, input.creditBalance);

  return {
    currency,
    lines: [...itemLines, ...discountLines],
    subtotal: subtotal.amount,
    discountTotal,
    taxes,
    total: total.amount,
    creditApplied: credit.creditApplied.amount,
    amountDue: credit.amountDue.amount,
    creditToBalance: credit.creditToBalance.amount,
    notes: input.tax.note ? [input.tax.note] : [],
  };
}
