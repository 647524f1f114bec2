import type { Request } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import type { PaymentGateway } from '../gateways';
import { AppError } from './errors';

/**
 * The business key of a money-moving write: derived from the caller's key and its `Idempotency-Key`, so a retry
 * after a lost answer (when the stored response is gone or was never written) reaches the same rows and the same
 * gateway call; without a header every request is a new one.
 */
export function businessKey(req: Request, kind: string): string {
  const key = req.header('idempotency-key');
  if (key === undefined) return `${kind}:${randomUUID()}`;
  const secret = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? '';
  return `${kind}:${createHash('sha256').update(`${secret}\n${key}`).digest('hex')}`;
}

/** A request that moves money needs the gateway this installation is configured with. */
export function requireGateway(gateway: PaymentGateway | undefined): PaymentGateway {
  if (!gateway) {
    throw new AppError('service_unavailable', 'gateway_unavailable', 'No payment gateway is configured');
  }
  return gateway;
}
