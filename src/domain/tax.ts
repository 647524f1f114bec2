import { DomainError } from './errors';
import { EU_STANDARD_VAT_RATES_BP, isEuMemberState } from './eu-vat-rates';
import { money, multiplyByRatio, type Money } from './money';

export type TaxParty = { country: string; vatId?: string };

export type TaxKind = 'domestic' | 'eu_b2c' | 'eu_reverse_charge' | 'outside_eu' | 'seller_outside_eu';

export type TaxTreatment = {
  kind: TaxKind;
  rateBp: number;
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

export const REVERSE_CHARGE_NOTE = {
  en: 'Reverse charge: VAT to be accounted for by the recipient (Article 196 of Council Directive 2006/112/EC).',
  de: 'Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, Art. 196 MwSt-Systemrichtlinie 2006/112/EG).',
} as const;

export const OUTSIDE_EU_NOTE = {
  en: 'Not subject to EU VAT: place of supply outside the European Union.',
  de: 'Nicht im Inland steuerbare Leistung: Leistungsort außerhalb der Europäischen Union.',
} as const;

/** The member state a VAT id belongs to, from its prefix; Greek ids start with EL rather than GR. */
export function vatIdMemberState(vatId: string | undefined): string | undefined {
  const normalized = vatId?.replace(/[\s.-]/g, '').toUpperCase();
  if (!normalized || !/^[A-Z]{2}[0-9A-Z]{2,13}$/.test(normalized)) return undefined;
  const prefix = normalized.slice(0, 2);
  const state = prefix === 'EL' ? 'GR' : prefix;
  return isEuMemberState(state) ? state : undefined;
}

function assertRate(rateBp: number): void {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0 || rateBp > 10_000) {
    throw new DomainError('invalid_tax', `Tax rate must be 0–10000 basis points, got ${rateBp}`);
  }
}

/**
 * Which tax applies to a sale from seller to customer. `configuredRatesBp` holds rates the seller is
 * registered for outside the EU (e.g. { CH: 810 }); without one, such sales carry no tax.
 * Checking a VAT id against VIES is I/O and happens before this function is called.
 */
export function determineTax(
  seller: TaxParty,
  customer: TaxParty,
  configuredRatesBp: Readonly<Record<string, number>> = {},
): TaxTreatment {
  const configured = configuredRatesBp[customer.country];
  if (configured !== undefined) assertRate(configured);
  if (!isEuMemberState(seller.country)) {
    return { kind: 'seller_outside_eu', rateBp: configured ?? 0, reverseCharge: false };
  }
  if (customer.country === seller.country) {
    return { kind: 'domestic', rateBp: EU_STANDARD_VAT_RATES_BP[seller.country], reverseCharge: false };
  }
  if (!isEuMemberState(customer.country)) {
    return { kind: 'outside_eu', rateBp: configured ?? 0, reverseCharge: false, note: OUTSIDE_EU_NOTE };
  }
  const vatState = vatIdMemberState(customer.vatId);
  if (vatState !== undefined && vatState !== seller.country) {
    return { kind: 'eu_reverse_charge', rateBp: 0, reverseCharge: true, note: REVERSE_CHARGE_NOTE };
  }
  return { kind: 'eu_b2c', rateBp: EU_STANDARD_VAT_RATES_BP[customer.country], reverseCharge: false };
}

/**
 * Tax for one rate, computed once on the net subtotal of that rate (never per line), rounded half away
 * from zero. With tax-inclusive prices the subtotal is gross and the tax is the part of it that is tax:
 * gross × rate / (10000 + rate).
 */
export function taxForRate(subtotal: Money, treatment: TaxTreatment, inclusive: boolean): TaxLine {
  assertRate(treatment.rateBp);
  money(subtotal.amount, subtotal.currency);
  const amount = inclusive
    ? multiplyByRatio(subtotal, treatment.rateBp, 10_000 + treatment.rateBp).amount
    : multiplyByRatio(subtotal, treatment.rateBp, 10_000).amount;
  return {
    rateBp: treatment.rateBp,
    taxable: inclusive ? subtotal.amount - amount : subtotal.amount,
    amount,
    reverseCharge: treatment.reverseCharge,
    inclusive,
  };
}
