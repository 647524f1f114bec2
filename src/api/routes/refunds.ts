import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import { Router } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { PaymentAttempt, Refund } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { isStoreError } from '../../db/services/errors';
import type { RecordedRefund } from '../../db/services/payments';
import { refundPayment } from '../../db/services/refunds';
import { isGatewayError, type PaymentGateway } from '../../gateways';
import type { EventPublisher } from '../../webhooks/publish';
import { AppError } from '../errors';
import { paginate, listBody } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  createRefundSchema,
  listRefundsQuerySchema,
  refundListSchema,
  refundResponseSchema,
  type RefundResponse,
} from '../schemas/refunds';
import { findPayment, refundedByAttempt } from './payments';

const refundParams = idParamsSchema('re', 'a refund');

export function serializeRefund(refund: Refund): RefundResponse {
  return {
    id: refund.id,
    object: 'refund',
    payment_id: refund.paymentAttempt.id,
    invoice_id: refund.invoice.id,
    kind: refund.kind,
    amount: refund.amount,
    currency: refund.currency,
    reason: refund.reason ?? null,
    gateway_reference: refund.gatewayReference ?? null,
    created_at: refund.createdAt.toISOString(),
  };
}

/**
 * The business key of a money-moving write: derived from the caller's key and its `Idempotency-Key`, so a retry
 * after a lost answer (when the stored response is gone or was never written) reaches the same rows and the same
 * gateway refund; without a header every request is a new one.
 */
export function businessKey(req: Request, kind: string): string {
  const key = req.header('idempotency-key');
  if (key === undefined) return `${kind}:${randomUUID()}`;
  const secret = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? '';
  return `${kind}:${createHash('sha256').update(`${secret}\n${key}`).digest('hex')}`;
}

export function requireGateway(gateway: PaymentGateway | undefined): PaymentGateway {
  if (!gateway) {
    throw new AppError('service_unavailable', 'gateway_unavailable', 'No payment gateway is configured');
  }
  return gateway;
}

export function fromMoneyError(error: unknown): unknown {
  if (isGatewayError(error)) {
    return error.retryable
      ? new AppError(
          'service_unavailable',
          'gateway_unavailable',
          'The payment gateway is unavailable; retry',
        )
      : new AppError('conflict', 'refund_failed', `The gateway refused the refund: ${error.message}`);
  }
  if (isStoreError(error)) {
    if (error.code === 'not_found') return new AppError('not_found', 'resource_missing', error.message);
    if (error.code === 'invalid_input')
      return new AppError('invalid_request_error', 'invalid_amount', error.message, 'amount');
    return new AppError('conflict', error.code, error.message);
  }
  return error;
}

/**
 * Returns money on one succeeded attempt through `refundPayment` (gateway and books under the attempt's row lock,
 * with the refund's event), answering its refusals as the API's conflicts. Returns the refund and its event, whose
 * webhooks the caller publishes once the transaction it may be part of has committed.
 */
export async function refundAttempt(
  em: EntityManager,
  gateway: PaymentGateway,
  attempt: PaymentAttempt,
  amount: number,
  key: string,
  reason: string | null,
): Promise<RecordedRefund> {
  try {
    return await refundPayment(em, gateway, {
      paymentAttemptId: attempt.id,
      amount,
      idempotencyKey: key,
      reason: reason ?? undefined,
    });
  } catch (error) {
    if (!isStoreError(error)) throw error;
    switch (error.code) {
      case 'idempotency_conflict':
        throw new AppError(
          'conflict',
          'idempotency_key_reused',
          'This Idempotency-Key was already used for another refund',
          'Idempotency-Key',
        );
      case 'not_refundable':
        throw new AppError('conflict', 'not_refundable', error.message);
      case 'amount_exceeds_remaining':
        throw new AppError('conflict', 'amount_exceeds_remaining', error.message, 'amount');
      default:
        throw error;
    }
  }
}

export function refundsRouter(
  orm: Orm,
  registry: RouteRegistry,
  gateway: PaymentGateway | undefined,
  publish: EventPublisher,
): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/refunds',
      operationId: 'createRefund',
      summary: 'Refund a succeeded payment, fully or in part',
      description:
        'Returns money through the payment gateway and records it. The same Idempotency-Key never refunds twice. ' +
        'A refund leaves the invoice paid; to correct what was billed, create a credit note with a refund outcome. ' +
        'Emits `refund.created` (and its outbound webhooks) with the refund.',
      tag: 'Refunds',
      body: createRefundSchema,
      response: refundResponseSchema,
      status: 201,
      errors: [400, 404, 409, 503],
    },
    async ({ body, req }) => {
      const em = orm.em.fork();
      const attempt = await findPayment(em, body.payment_id).catch((error: unknown) => {
        throw error instanceof AppError
          ? new AppError('not_found', 'resource_missing', `No such payment: ${body.payment_id}`, 'payment_id')
          : error;
      });
      const key = businessKey(req, 'refund');
      const existing = await em.findOne(Refund, { idempotencyKey: key });
      if (existing) {
        const same =
          existing.paymentAttempt.id === attempt.id &&
          (body.amount === undefined || body.amount === existing.amount);
        if (!same) {
          throw new AppError(
            'conflict',
            'idempotency_key_reused',
            'This Idempotency-Key was already used for another refund',
            'Idempotency-Key',
          );
        }
        return serializeRefund(existing);
      }
      if (attempt.status !== 'succeeded') {
        throw new AppError(
          'conflict',
          'payment_not_succeeded',
          `Payment ${attempt.id} is ${attempt.status}; nothing to refund`,
        );
      }
      const remaining = attempt.amount - ((await refundedByAttempt(em, [attempt])).get(attempt.id) ?? 0);
      const amount = body.amount ?? remaining;
      if (amount <= 0 || amount > remaining) {
        throw new AppError(
          'conflict',
          'amount_exceeds_remaining',
          `Payment ${attempt.id} has ${remaining} ${attempt.currency} left to refund; ${amount} requested`,
          'amount',
        );
      }
      let recorded: RecordedRefund;
      try {
        recorded = await refundAttempt(
          em,
          requireGateway(gateway),
          attempt,
          amount,
          key,
          body.reason ?? null,
        );
      } catch (error) {
        throw fromMoneyError(error);
      }
      await publish([recorded.event]);
      return serializeRefund(recorded.refund);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/refunds',
      operationId: 'listRefunds',
      summary: 'List refunds and chargebacks, oldest first',
      description:
        'Refunds made through this API, refunds made at the payment gateway’s own dashboard (recorded from its ' +
        'webhook, each with a credit note) and chargebacks of lost disputes (`kind: chargeback`).',
      tag: 'Refunds',
      query: listRefundsQuerySchema,
      response: refundListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Refund> = {
        ...(query.payment_id ? { paymentAttempt: query.payment_id } : {}),
        ...(query.invoice_id ? { invoice: query.invoice_id } : {}),
      };
      return listBody(await paginate(orm.em, Refund, where, query), serializeRefund);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/refunds/:id',
      operationId: 'getRefund',
      summary: 'Retrieve a refund',
      tag: 'Refunds',
      params: refundParams,
      response: refundResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const refund = await orm.em.findOne(Refund, params.id);
      if (!refund) throw new AppError('not_found', 'resource_missing', `No such refund: ${params.id}`, 'id');
      return serializeRefund(refund);
    },
  );

  return router;
}
