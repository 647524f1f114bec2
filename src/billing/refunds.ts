import { PaymentAttempt, Refund } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { StoreError } from '../db/services/errors';
import { refundedByAttempt, refundPayment } from '../db/services/refunds';
import type { PaymentGateway } from '../gateways';
import type { EventPublisher } from '../webhooks/publish';

export interface RefundDeps {
  orm: Orm;
  gateway: PaymentGateway;
  /** Starts the outbound webhooks of the refund's event once it is committed. */
  publish: EventPublisher;
}

export interface RefundRequest {
  paymentId: string;
  /** Omitted: all that is not refunded yet. */
  amount?: number;
  reason: string | null;
  /** The business key (caller and Idempotency-Key): one refund at the gateway and in the books per key. */
  key: string;
}

/**
 * Returns money on a succeeded payment, fully or in part, once per key: the same key again answers the refund it
 * made, the same key for another payment or amount is refused. The amount is checked against what earlier refunds
 * and chargebacks left before the gateway is asked, and again under the payment's row lock (`refundPayment`).
 */
export async function refundOnce(deps: RefundDeps, request: RefundRequest): Promise<Refund> {
  const em = deps.orm.em.fork();
  const attempt = await em.findOne(PaymentAttempt, request.paymentId);
  if (!attempt) {
    throw new StoreError('not_found', `No such payment: ${request.paymentId}`, 'payment_id');
  }
  const existing = await em.findOne(Refund, { idempotencyKey: request.key });
  if (existing) {
    const same =
      existing.paymentAttempt.id === attempt.id &&
      (request.amount === undefined || request.amount === existing.amount);
    if (!same)
      throw new StoreError('idempotency_conflict', `Refund key ${request.key} was used for another refund`);
    return existing;
  }
  if (attempt.status !== 'succeeded') {
    throw new StoreError(
      'payment_not_succeeded',
      `Payment ${attempt.id} is ${attempt.status}; nothing to refund`,
    );
  }
  const remaining = attempt.amount - ((await refundedByAttempt(em, [attempt])).get(attempt.id) ?? 0);
  const amount = request.amount ?? remaining;
  if (amount <= 0 || amount > remaining) {
    throw new StoreError(
      'amount_exceeds_remaining',
      `Payment ${attempt.id} has ${remaining} ${attempt.currency} left to refund; ${amount} requested`,
    );
  }
  const recorded = await refundPayment(em, deps.gateway, {
    paymentAttemptId: attempt.id,
    amount,
    idempotencyKey: request.key,
    ...(request.reason === null ? {} : { reason: request.reason }),
  });
  await deps.publish([recorded.event]);
  return recorded.refund;
}
