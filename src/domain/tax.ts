import { DomainError } from './errors';
import { EU_VAT_RATES_CHECKED_AT, euVatRatesAt, isEuMemberState, type VatRates } from './eu-vat-rates';
import { money, multiplyByRatio, type Money } from './money';
import { wellFormedVatIdState } from './vat-ids';

export type TaxParty = { country: string; vatId?: string };

/** What a product is, for tax: most goods and services are `standard`; food, books and the like `reduced`. */
export const TAX_CATEGORIES = ['standard', 'reduced', 'zero'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

export type TaxKind = 'domestic' | 'eu_b2c' | 'eu_reverse_charge' | 'outside_eu' | 'seller_outside_eu';

/** A rate in basis points per tax category; `zero` is always 0. */
export type CategoryRates = Readonly<Record<TaxCategory, number>>;

export type TaxTreatment = {
  kind: TaxKind;
  /** The standard rate: what a line without a category is taxed at. */
  rateBp: number;
  /** The rate of each category; a treatment built by hand without it taxes every category at `rateBp`. */
  rates?: CategoryRates;
  reverseCharge: boolean;
  /** Text the invoice must carry, in English and German. */
  note?: { en: string; de: string };
};

export type TaxLine = {
  rateBp: number;
  /** Net amount the tax is computed on. */
  taxable: number;
  amount: number;
  reverseCharge: boolean;
  /** True when the amount is already contained in the line amounts (tax-inclusive prices). */
  inclusive: boolean;
};

/**
 * A rate a seller registered outside the EU charges, in basis points (e.g. Switzerland 810 standard, 260 reduced).
 * A bare number is the standard rate and applies to reduced products too; a missing `reduced` is the standard rate,
 * so a product is never taxed below what the seller configured.
 */
export type SellerTaxRate = number | { standard: number; reduced?: number };

export type SellerTaxRates = Readonly<Record<string, SellerTaxRate>>;

export type TaxOptions = {
  /**
   * The tax point (ISO 8601 instant): EU rates are those in force on that day in the member state whose rate
   * applies. Without it, the rates of the day the table was checked (`EU_VAT_RATES_AS_OF`).
   */
  at?: string;
};

export const REVERSE_CHARGE_NOTE = {
  en: 'Reverse charge: VAT to be accounted for by the recipient (Article 196 of Council Directive 2006/112/EC).',
  de: 'Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwSt-Systemrichtlinie 2006/112/EG).',
} as const;

export const OUTSIDE_EU_NOTE = {
  en: 'Not subject to EU VAT: place of supply outside the European Union.',
  de: 'Nicht im Inland steuerbare Leistung: Leistungsort außerhalb der Europäischen Union.',
} as const;

/**
 * The member state of a VAT id, from its prefix (Greek ids start with EL rather than GR), when the whole id has that
 * state's format; a malformed id has no member state.
 */
export function vatIdMemberState(vatId: string | undefined): string | undefined {
  return wellFormedVatIdState(vatId);
}

function assertRate(rateBp: number): void {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0 || rateBp > 10_000) {
    throw new DomainError('invalid_tax', `Tax rate must be 0–10000 basis points, got ${rateBp}`);
  }
}

const NO_TAX: CategoryRates = { standard: 0, reduced: 0, zero: 0 };

function euRates({ standardBp, reducedBp }: VatRates): CategoryRates {
  return { standard: standardBp, reduced: reducedBp ?? standardBp, zero: 0 };
}

function configuredRates(rate: SellerTaxRate): CategoryRates {
  const standard = typeof rate === 'number' ? rate : rate.standard;
  const reduced = typeof rate === 'number' ? rate : (rate.reduced ?? rate.standard);
  assertRate(standard);
  assertRate(reduced);
  return { standard, reduced, zero: 0 };
}

function treatment(
  kind: TaxKind,
  rates: CategoryRates,
  extra: Pick<TaxTreatment, 'note'> & { reverseCharge?: boolean } = {},
): TaxTreatment {
  return {
    kind,
    rateBp: rates.standard,
    rates,
    reverseCharge: extra.reverseCharge ?? false,
    ...(extra.note ? { note: extra.note } : {}),
  };
}

/**
 * Which tax applies to a sale from seller to customer, with the rate of each tax category. `sellerRates` holds the
 * rates of the countries outside the EU where the seller is registered (e.g. { CH: { standard: 810, reduced: 260 } });
 * a sale to any other country outside the EU carries no tax and the export note. Reverse charge needs a VAT id that
 * is well formed for its member state. Checking an id against VIES is I/O and happens before this function is
 * called.
 */
export function determineTax(
  seller: TaxParty,
  customer: TaxParty,
  sellerRates: SellerTaxRates = {},
  options: TaxOptions = {},
): TaxTreatment {
  const at = options.at ?? EU_VAT_RATES_CHECKED_AT;
  const configured = Object.prototype.hasOwnProperty.call(sellerRates, customer.country)
    ? sellerRates[customer.country]
    : undefined;
  const configuredCategoryRates = configured === undefined ? undefined : configuredRates(configured);
  if (!isEuMemberState(seller.country)) {
    return treatment('seller_outside_eu', configuredCategoryRates ?? NO_TAX);
  }
  if (customer.country === seller.country) {
    return treatment('domestic', euRates(euVatRatesAt(seller.country, at)));
  }
  if (!isEuMemberState(customer.country)) {
    return configuredCategoryRates
      ? treatment('outside_eu', configuredCategoryRates)
      : treatment('outside_eu', NO_TAX, { note: OUTSIDE_EU_NOTE });
  }
  const vatState = wellFormedVatIdState(customer.vatId);
  if (vatState !== undefined && vatState !== seller.country) {
    return treatment('eu_reverse_charge', NO_TAX, { reverseCharge: true, note: REVERSE_CHARGE_NOTE });
  }
  return treatment('eu_b2c', euRates(euVatRatesAt(customer.country, at)));
}

/** The rate a line of this category is taxed at under the treatment. */
export function taxRateFor(tax: TaxTreatment, category: TaxCategory = 'standard'): number {
  if (category === 'zero') return 0;
  return tax.rates?.[category] ?? tax.rateBp;
}

/**
 * Tax for one rate, computed once on the net subtotal of that rate (never per line), rounded half away
 * from zero. With tax-inclusive prices the subtotal is gross and the tax is the part of it that is tax:
 * gross × rate / (10000 + rate), so that taxable + amount = gross exactly.
 */
export function taxForRate(
  subtotal: Money,
  tax: Pick<TaxTreatment, 'rateBp' | 'reverseCharge'>,
  inclusive: boolean,
): TaxLine {
  assertRate(tax.rateBp);
  money(subtotal.amount, subtotal.currency);
  const amount = inclusive
    ? multiplyByRatio(subtotal, tax.rateBp, 10_000 + tax.rateBp).amount
    : multiplyByRatio(subtotal, tax.rateBp, 10_000).amount;
  return {
    rateBp: tax.rateBp,
    taxable: inclusive ? subtotal.amount - amount : subtotal.amount,
    amount,
    reverseCharge: tax.reverseCharge,
    inclusive,
  };
}
