import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { money } from '../../domain/money';
import type { PaymentGateway } from '../../gateways/types';
import type { EntityManager as BaseEntityManager } from '@mikro-orm/core';
import { PaymentAttempt, Refund } from '../entities';
import { StoreError } from './errors';
import { recordRefund, type RecordedRefund } from './payments';

export type RefundPaymentInput = {
  paymentAttemptId: string;
  amount: number;
  /** Sent to the gateway as its idempotency key and stored as the refund's: one cause, one refund. */
  idempotencyKey: string;
  reason?: string;
  /** Business time of the refund's event (a test clock's time); now when omitted. */
  at?: string;
};

/**
 * Returns money on one succeeded payment: at the gateway, then in the books with its `refund.created` event, all
 * inside one transaction that holds the payment's row lock. A concurrent refund, chargeback or gateway webhook of
 * the same payment waits for it, so the remaining amount checked here is still the remaining amount when the refund
 * is recorded, and the gateway's own report of this refund finds it recorded. If the commit fails after the gateway
 * answered, the same key repeated finds the gateway's refund (idempotent there) and records it once.
 *
 * Refuses with `StoreError`: `not_found`, `idempotency_conflict` (the key named another refund),
 * `payment_not_succeeded`, `not_refundable` (no charge at the gateway), `amount_exceeds_remaining`; gateway
 * failures propagate as `GatewayError`.
 */
export async function refundPayment(
  em: EntityManager,
  gateway: PaymentGateway,
  input: RefundPaymentInput,
): Promise<RecordedRefund> {
  return em.transactional(async (tx) => {
    const attempt = await tx.findOne(PaymentAttempt, input.paymentAttemptId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!attempt) {
      throw new StoreError('not_found', `Payment attempt ${input.paymentAttemptId} does not exist`);
    }
    const existing = await tx.findOne(Refund, { idempotencyKey: input.idempotencyKey });
    if (existing) {
      if (existing.paymentAttempt.id !== attempt.id || existing.amount !== input.amount) {
        throw new StoreError(
          'idempotency_conflict',
          `Refund key ${input.idempotencyKey} was used for another refund`,
        );
      }
      return recordRefund(tx, { ...input, gatewayReference: existing.gatewayReference ?? undefined });
    }
    if (attempt.status !== 'succeeded') {
      throw new StoreError(
        'payment_not_succeeded',
        `Payment ${attempt.id} is ${attempt.status}; nothing to refund`,
      );
    }
    if (!attempt.gatewayReference) {
      throw new StoreError('not_refundable', `Payment ${attempt.id} has no charge at the gateway`);
    }
    const refunds = await tx.find(Refund, { paymentAttempt: attempt });
    const remaining = attempt.amount - refunds.reduce((acc, refund) => acc + refund.amount, 0);
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > remaining) {
      throw new StoreError(
        'amount_exceeds_remaining',
        `Payment ${attempt.id} has ${remaining} ${attempt.currency} left to refund; ${input.amount} requested`,
      );
    }
    const result = await gateway.refund({
      chargeId: attempt.gatewayReference,
      amount: money(input.amount, attempt.currency),
      idempotencyKey: input.idempotencyKey,
    });
    return recordRefund(tx, { ...input, gatewayReference: result.refundId });
  });
}

/** The money already returned on each attempt (refunds and chargebacks), by attempt id. */
export async function refundedByAttempt(
  em: BaseEntityManager,
  attempts: readonly PaymentAttempt[],
): Promise<Map<string, number>> {
  const refunded = new Map<string, number>();
  if (attempts.length === 0) return refunded;
  const refunds = await em.find(Refund, { paymentAttempt: { $in: attempts.map((a) => a.id) } });
  for (const refund of refunds) {
    const id = refund.paymentAttempt.id;
    refunded.set(id, (refunded.get(id) ?? 0) + refund.amount);
  }
  return refunded;
}
