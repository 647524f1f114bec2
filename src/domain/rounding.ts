import { DomainError } from './errors';

/**
 * Integer division rounded half away from zero. Works on bigint so that products such as
 * `amount × seconds` never lose precision before the single rounding step.
 * Internal: not re-exported, the public API stays free of bigint.
 */
export function divideRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new DomainError('invalid_ratio', 'Division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = n / d;
  const remainder = n % d;
  const magnitude = remainder * 2n >= d ? quotient + 1n : quotient;
  return negative ? -magnitude : magnitude;
}

/** Converts back to a JSON-safe number, refusing anything a `number` cannot hold exactly. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new DomainError('invalid_amount', `${what} exceeds the safe integer range`);
  }
  return Number(value);
}

export function assertSafeInteger(
  value: number,
  code: 'invalid_amount' | 'invalid_ratio',
  what: string,
): void {
  if (!Number.isSafeInteger(value))
    throw new DomainError(code, `${what} must be a safe integer, got ${value}`);
}
