import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Router } from 'express';
import { Dispute, Refund } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { chargebackKey } from '../../db/services/disputes';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  disputeListSchema,
  disputeResponseSchema,
  listDisputesQuerySchema,
  type DisputeResponse,
} from '../schemas/disputes';

const disputeParams = idParamsSchema('dp', 'a dispute');

function serializeDispute(dispute: Dispute, chargebacks: Map<string, string>): DisputeResponse {
  return {
    id: dispute.id,
    object: 'dispute',
    payment_id: dispute.paymentAttempt.id,
    invoice_id: dispute.invoice.id,
    customer_id: dispute.customer.id,
    subscription_id: dispute.subscription?.id ?? null,
    gateway: dispute.gateway,
    gateway_reference: dispute.gatewayReference,
    amount: dispute.amount,
    currency: dispute.currency,
    reason: dispute.reason,
    status: dispute.status,
    fee_amount: dispute.feeAmount ?? null,
    chargeback_id: chargebacks.get(dispute.id) ?? null,
    closed_at: dispute.closedAt?.toISOString() ?? null,
    created_at: dispute.createdAt.toISOString(),
    updated_at: dispute.updatedAt.toISOString(),
  };
}

/** The chargeback refund of each lost dispute, by dispute id. */
async function chargebacksOf(em: EntityManager, disputes: Dispute[]): Promise<Map<string, string>> {
  const lost = disputes.filter((dispute) => dispute.status === 'lost');
  if (lost.length === 0) return new Map();
  const keys = new Map(lost.map((dispute) => [chargebackKey(dispute.id), dispute.id]));
  const refunds = await em.find(Refund, { idempotencyKey: { $in: [...keys.keys()] } });
  return new Map(refunds.map((refund) => [keys.get(refund.idempotencyKey) as string, refund.id]));
}

/** Disputes are written only by the gateway's webhooks; the API reads them. */
export function disputesRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/disputes',
      operationId: 'listDisputes',
      summary: 'List disputes, oldest first',
      tag: 'Disputes',
      query: listDisputesQuerySchema,
      response: disputeListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Dispute> = {
        ...(query.status ? { status: query.status } : {}),
        ...(query.customer_id ? { customer: query.customer_id } : {}),
        ...(query.invoice_id ? { invoice: query.invoice_id } : {}),
      };
      const page = await paginate(orm.em, Dispute, where, query);
      const chargebacks = await chargebacksOf(orm.em, page.items);
      return {
        object: 'list' as const,
        data: page.items.map((dispute) => serializeDispute(dispute, chargebacks)),
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
      path: '/disputes/:id',
      operationId: 'getDispute',
      summary: 'Retrieve a dispute',
      tag: 'Disputes',
      params: disputeParams,
      response: disputeResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const dispute = await orm.em.findOne(Dispute, params.id);
      if (!dispute)
        throw new AppError('not_found', 'resource_missing', `No such dispute: ${params.id}`, 'id');
      return serializeDispute(dispute, await chargebacksOf(orm.em, [dispute]));
    },
  );

  return router;
}
