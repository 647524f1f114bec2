import { DomainError } from './errors';
import type { PricingScheme } from './pricing';

/** Placeholder bounds until the input-hygiene branch lands its worked-out module of the same name. */
export const MAX_QUANTITY = 100_000;

export function assertPriceWithinBounds(scheme: PricingScheme, setupFee = 0): void {
  const values: number[] = [setupFee];
  if (scheme.model === 'flat') values.push(scheme.amount);
  if (scheme.model === 'per_unit') values.push(scheme.unitAmount * MAX_QUANTITY);
  if (scheme.model === 'package') values.push(scheme.packageAmount * MAX_QUANTITY);
  if (scheme.model === 'graduated' || scheme.model === 'volume') {
    for (const tier of scheme.tiers) values.push(tier.unitAmount * MAX_QUANTITY + (tier.flatAmount ?? 0));
  }
  if (values.some((value) => !Number.isSafeInteger(value) || value > 1e14)) {
    throw new DomainError('invalid_amount', 'A price this large could leave the safe integer range');
  }
}
