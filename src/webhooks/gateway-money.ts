import type { EntityManager } from '@mikro-orm/postgresql';
import { Dispute, type DomainEvent, isDisputeClosed, Refund } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { isStoreError, recordDisputeReport, recordGatewayRefund } from '../db/services';
import { chargebackKey } from '../db/services/disputes';
import { money } from '../domain/money';
import type { GatewayDisputeEvent, VerifiedWebhook } from '../gateways/types';
import type { Logger } from '../logging';
import type { SellerEmailInput } from '../mail/templates/seller';
import type { DisputeFact } from '../workflows/lifecycle/messages';

/** A notice to the seller, sent once per cause. */
export interface SellerNotice {
  causeKey: string;
  email: SellerEmailInput;
}

/** What booking a gateway event left to do once its transaction has committed. */
export interface BookedGatewayEvent {
  /** Domain events to dispatch outbound webhooks for. */
  events: DomainEvent[];
  notices: SellerNotice[];
  /** The outcome of a dispute, for the workflow of the subscription whose invoice it concerns. */
  disputeClosed: { subscriptionId: string; fact: DisputeFact } | null;
}

const NOTHING: BookedGatewayEvent = { events: [], notices: [], disputeClosed: null };

/**
 * Books what a verified gateway event means for Perennial's own records, each in one transaction: a dispute's
 * lifecycle (`recordDisputeReport`) and refunds made at the gateway's dashboard (`recordGatewayRefund`). Events
 * about charges Perennial did not make, or that contradict its records, are logged and booked as nothing: a
 * redelivery could not change that.
 */
export async function bookGatewayEvent(
  deps: { orm: Orm; logger: Logger },
  webhook: VerifiedWebhook,
): Promise<BookedGatewayEvent> {
  const { event, gateway, eventId } = webhook;
  if (!event) return NOTHING;
  const em = deps.orm.em.fork();
  try {
    switch (event.type) {
      case 'payment.disputed':
      case 'dispute.updated':
      case 'dispute.closed':
        return await bookDispute(em, deps.logger, gateway, eventId, event);
      case 'payment.refunded': {
        const recorded = await recordGatewayRefund(em, {
          gateway,
          chargeId: event.chargeId,
          amountRefunded: event.amountRefunded,
        });
        if (!recorded)
          deps.logger.warn({ gateway, eventId }, 'refund reported for a charge Perennial did not make');
        return { ...NOTHING, events: recorded?.events ?? [] };
      }
      case 'payment.succeeded':
      case 'payment.failed':
        return NOTHING;
    }
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'currency_mismatch') throw error;
    deps.logger.warn({ gateway, eventId, err: error }, 'gateway event contradicts the recorded payment');
    return NOTHING;
  }
}

async function bookDispute(
  em: EntityManager,
  logger: Logger,
  gateway: VerifiedWebhook['gateway'],
  gatewayEventId: string,
  event: GatewayDisputeEvent,
): Promise<BookedGatewayEvent> {
  const recorded = await recordDisputeReport(em, { gateway, gatewayEventId, event });
  if (!recorded) {
    logger.warn({ gateway, eventId: gatewayEventId }, 'dispute reported for a charge Perennial did not make');
    return NOTHING;
  }
  if (recorded.ignored) logger.warn({ gateway, eventId: gatewayEventId }, recorded.ignored);

  const dispute = await em.fork().findOneOrFail(Dispute, recorded.dispute.id, {
    populate: ['invoice', 'customer'],
  });
  const chargeback = await em.fork().findOne(Refund, { idempotencyKey: chargebackKey(dispute.id) });
  const openedAt =
    recorded.events.find((appended) => appended.type === 'dispute.opened')?.occurredAt ?? dispute.createdAt;
  const base = {
    disputeId: dispute.id,
    gatewayDisputeId: dispute.gatewayReference,
    gateway: dispute.gateway,
    customerName: dispute.customer.name,
    customerEmail: dispute.customer.email,
    invoiceNumber: dispute.invoice.number ?? dispute.invoice.id,
    amount: money(dispute.amount, dispute.currency),
    reason: dispute.reason,
    openedAt: openedAt.toISOString(),
  };
  // Each notice belongs to the report that caused it (and its redeliveries), so an address set later does not
  // bring a late notice of an earlier step.
  const notices: SellerNotice[] = recorded.openedByThisReport
    ? [{ causeKey: `seller:dispute_opened:${dispute.id}`, email: { kind: 'dispute_opened', data: base } }]
    : [];
  const outcome = isDisputeClosed(dispute.status) ? dispute.status : null;
  if (outcome && recorded.closedByThisReport) {
    const closed = {
      ...base,
      closedAt: (dispute.closedAt ?? dispute.updatedAt).toISOString(),
      fee: dispute.feeAmount == null ? null : money(dispute.feeAmount, dispute.currency),
    };
    notices.push({
      causeKey: `seller:dispute_${outcome}:${dispute.id}`,
      email:
        outcome === 'won'
          ? { kind: 'dispute_won', data: closed }
          : {
              kind: 'dispute_lost',
              data: {
                ...closed,
                reopenedAmount: money(chargeback?.amount ?? 0, dispute.currency),
                collectedBySubscription: dispute.subscription != null,
              },
            },
    });
  }

  const subscriptionId = dispute.subscription?.id;
  const disputeClosed =
    outcome && recorded.closedByThisReport && subscriptionId
      ? {
          subscriptionId,
          fact: {
            disputeId: dispute.id,
            invoiceId: dispute.invoice.id,
            amount: outcome === 'lost' ? (chargeback?.amount ?? 0) : dispute.amount,
            currency: dispute.currency,
            feeAmount: dispute.feeAmount ?? null,
            outcome,
          },
        }
      : null;
  return { events: recorded.events, notices, disputeClosed };
}
