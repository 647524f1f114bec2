import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { refundOnce } from '../../billing/refunds';
import { Refund } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import type { PaymentGateway } from '../../gateways';
import type { EventPublisher } from '../../webhooks/publish';
import { AppError } from '../errors';
import { businessKey, requireGateway } from '../money-requests';
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
      const refund = await refundOnce(
        { orm, gateway: requireGateway(gateway), publish },
        {
          paymentId: body.payment_id,
          ...(body.amount === undefined ? {} : { amount: body.amount }),
          reason: body.reason ?? null,
          key: businessKey(req, 'refund'),
        },
      );
      return serializeRefund(refund);
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
