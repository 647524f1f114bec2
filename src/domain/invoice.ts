import { discountLine, type Coupon } from './coupons';
import { applyCredit } from './credit';
import { DomainError } from './errors';
import { allocate, money, sum, type Money } from './money';
import { taxForRate, taxRateFor, type TaxCategory, type TaxLine, type TaxTreatment } from './tax';

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
  /** The rate the line was taxed at (0 when untaxed or reverse charged); absent on discount lines. */
  taxRateBp?: number;
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
  /** The product's tax category; `standard` when absent. */
  taxCategory?: TaxCategory;
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
  /** One entry per tax rate, highest rate first (see `buildDraftInvoice`). */
  taxes: TaxLine[];
  /** Σ lines + Σ taxes not already included in the line amounts. */
  total: number;
  creditApplied: number;
  amountDue: number;
  creditToBalance: number;
  notes: { en: string; de: string }[];
};

function itemLine(item: InvoiceItemInput, currency: string, taxRateBp: number): InvoiceLine {
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
  line.taxRateBp = taxRateBp;
  return line;
}

/** The lines taxed at one rate and what they add up to before discounts. */
type RateGroup = { rateBp: number; subtotal: number };

/** Rate groups in a fixed order, highest rate first, so the same lines always give the same tax lines. */
function rateGroups(lines: readonly InvoiceLine[]): RateGroup[] {
  const byRate = new Map<number, number>();
  for (const line of lines) {
    const rate = line.taxRateBp ?? 0;
    byRate.set(rate, (byRate.get(rate) ?? 0) + line.amount);
  }
  return [...byRate.entries()]
    .map(([rateBp, subtotal]) => ({ rateBp, subtotal }))
    .sort((a, b) => b.rateBp - a.rateBp);
}

/**
 * Splits the invoice's discount over the rate groups in proportion to what each group adds (largest remainder, so
 * the shares sum to the discount exactly). A group whose lines add up to zero or less (a credit) takes no share;
 * since the discount never exceeds the invoice subtotal, no share exceeds its group's subtotal.
 */
function allocateDiscount(groups: readonly RateGroup[], discountTotal: number, currency: string): number[] {
  const weights = groups.map((group) => Math.max(group.subtotal, 0));
  if (discountTotal === 0 || weights.every((weight) => weight === 0)) return groups.map(() => 0);
  return allocate(money(discountTotal, currency), weights).map((share) => share.amount);
}

/**
 * Builds the draft invoice of one billing moment. Pure and order-preserving: the same input always
 * yields the same invoice. Coupons apply in the given order, each to what the previous left, so the
 * discounts never exceed the subtotal.
 *
 * Each line is taxed at the rate of its item's category under the treatment. Tax is computed once per rate on the
 * net subtotal of that rate: the lines of the rate, less their share of the discounts. With tax-inclusive prices
 * each rate's discounted gross is split into net and tax, so net + tax = gross exactly and the gross stays what the
 * customer was told. `taxes` holds one entry per rate; an invoice whose only rate is 0 % without reverse charge (an
 * export, an unregistered seller) carries none, and a 0 % rate beside taxed ones is listed so every line's rate shows.
 */
export function buildDraftInvoice(input: DraftInvoiceInput): DraftInvoice {
  const { currency } = input;
  money(0, currency);
  const itemLines = input.items.map((item) =>
    itemLine(item, currency, taxRateFor(input.tax, item.taxCategory ?? 'standard')),
  );
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

  const groups = rateGroups(itemLines);
  const discountShares = allocateDiscount(groups, discountTotal, currency);
  const discounted = groups.map((group, index) => ({
    rateBp: group.rateBp,
    amount: group.subtotal - (discountShares[index] ?? 0),
  }));
  const listed =
    input.tax.reverseCharge || discounted.length > 1
      ? discounted
      : discounted.filter((group) => group.rateBp > 0);
  const taxes: TaxLine[] = listed.map((group) =>
    taxForRate(
      money(group.amount, currency),
      { rateBp: group.rateBp, reverseCharge: input.tax.reverseCharge },
      input.pricesIncludeTax,
    ),
  );
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
