import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Router } from 'express';
import { PaymentAttempt } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { refundedByAttempt } from '../../db/services/refunds';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  listPaymentsQuerySchema,
  paymentListSchema,
  paymentResponseSchema,
  type PaymentResponse,
} from '../schemas/payments';

const paymentParams = idParamsSchema('pa', 'a payment');

/** The attempt's invoice must be loaded (for the customer). */
export function serializePayment(attempt: PaymentAttempt, amountRefunded: number): PaymentResponse {
  return {
    id: attempt.id,
    object: 'payment',
    invoice_id: attempt.invoice.id,
    customer_id: attempt.invoice.customer.id,
    attempt: attempt.attempt,
    amount: attempt.amount,
    currency: attempt.currency,
    gateway: attempt.gateway,
    payment_method_id: attempt.paymentMethod?.id ?? null,
    status: attempt.status,
    outcome:
      attempt.status === 'pending'
        ? null
        : {
            charge_id: attempt.gatewayReference ?? null,
            failure_code: attempt.failureCode ?? null,
            failure_message: attempt.failureMessage ?? null,
          },
    amount_refunded: amountRefunded,
    created_at: attempt.createdAt.toISOString(),
    completed_at: attempt.completedAt?.toISOString() ?? null,
  };
}

export async function findPayment(em: EntityManager, id: string): Promise<PaymentAttempt> {
  const attempt = await em.findOne(PaymentAttempt, id, { populate: ['invoice'] });
  if (!attempt) throw new AppError('not_found', 'resource_missing', `No such payment: ${id}`, 'id');
  return attempt;
}

/** Payments are the charge attempts the workflows made, read from PostgreSQL; they are written only by charges. */
export function paymentsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/payments',
      operationId: 'listPayments',
      summary: 'List payment attempts, oldest first',
      tag: 'Payments',
      query: listPaymentsQuerySchema,
      response: paymentListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<PaymentAttempt> = {
        ...(query.invoice_id ? { invoice: query.invoice_id } : {}),
        ...(query.customer_id ? { invoice: { customer: query.customer_id } } : {}),
        ...(query.invoice_id && query.customer_id
          ? { invoice: { id: query.invoice_id, customer: query.customer_id } }
          : {}),
        ...(query.status ? { status: query.status } : {}),
      };
      const page = await paginate(orm.em, PaymentAttempt, where, query);
      await orm.em.populate(page.items, ['invoice']);
      const refunded = await refundedByAttempt(orm.em, page.items);
      return {
        object: 'list' as const,
        data: page.items.map((attempt) => serializePayment(attempt, refunded.get(attempt.id) ?? 0)),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/payments/:id',
      operationId: 'getPayment',
      summary: 'Retrieve a payment attempt with its outcome',
      tag: 'Payments',
      params: paymentParams,
      response: paymentResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const attempt = await findPayment(orm.em, params.id);
      const refunded = await refundedByAttempt(orm.em, [attempt]);
      return serializePayment(attempt, refunded.get(attempt.id) ?? 0);
    },
  );

  return router;
}
