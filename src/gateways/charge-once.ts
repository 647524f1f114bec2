import type { ChargeRequest, ChargeResult, PaymentGateway } from './types';
import { assertChargeRequest } from './validation';

/**
 * Charges at most once per idempotency key, including after an ambiguous outcome.
 *
 * A timed-out attempt may have charged the card. Looking the key up before every attempt turns such an attempt
 * into a known outcome instead of a second charge, and it does so even where the provider's own idempotency
 * window has passed. A lookup that fails throws, and nothing is charged on that attempt.
 *
 * Declines resolve (they are answers that drive dunning); processing errors and timeouts propagate as retryable
 * `GatewayError`s for the activity's retry policy, whose next attempt comes back through this lookup.
 */
export async function chargeOnce(gateway: PaymentGateway, request: ChargeRequest): Promise<ChargeResult> {
  assertChargeRequest(request);
  const settled = await gateway.findChargeByIdempotencyKey(request.idempotencyKey);
  if (settled) return settled;
  return gateway.charge(request);
}
