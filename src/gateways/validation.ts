import { DomainError } from '../domain/errors';
import { money, type Money } from '../domain/money';
import { GatewayError } from './errors';
import type { ChargeRequest, WebhookHeaders } from './types';

/**
 * Keys are built by Perennial from ids and attempt numbers, so a narrow alphabet costs nothing and lets a key be
 * embedded in a provider's search query without escaping. 255 is Stripe's limit.
 */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_:.-]{1,255}$/;

export function assertIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new GatewayError(
      'invalid_request',
      `Idempotency key must be 1-255 characters of letters, digits, "_", ":", "." or "-", got ${JSON.stringify(key)}`,
    );
  }
}

export function assertPositiveMoney(amount: Money, what: string): void {
  try {
    money(amount.amount, amount.currency);
  } catch (error) {
    if (error instanceof DomainError) throw new GatewayError('invalid_request', `${what}: ${error.message}`);
    throw error;
  }
  if (amount.amount <= 0) {
    throw new GatewayError('invalid_request', `${what} must be positive, got ${amount.amount}`);
  }
}

export function assertChargeRequest(request: ChargeRequest): void {
  assertIdempotencyKey(request.idempotencyKey);
  assertPositiveMoney(request.amount, 'Charge amount');
  if (!request.customerRef) throw new GatewayError('invalid_request', 'customerRef is required');
  if (!request.paymentMethodRef) throw new GatewayError('invalid_request', 'paymentMethodRef is required');
}

export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * PostgreSQL returns bigint columns as strings. They are parsed as integers only: a money path must never pass
 * through a float parser.
 */
export function toSafeInteger(value: unknown, what: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d+$/.test(text)) {
    throw new Error(`${what} is not an integer: ${String(value)}`);
  }
  const result = Number(text);
  if (!Number.isSafeInteger(result)) throw new Error(`${what} exceeds the safe integer range: ${text}`);
  return result;
}
