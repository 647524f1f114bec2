import express, { Router } from 'express';
import { z } from 'zod';
import type { PaymentGateway, VerifiedWebhook } from '../../gateways';
import { type InboundDeps, receiveGatewayEvent } from '../../webhooks/inbound';
import { AppError } from '../errors';
import type { RouteRegistry } from '../route';
import { assertStorableText } from '../text-guard';

export const gatewayWebhookParamsSchema = z.strictObject({
  gateway: z.enum(['sandbox', 'stripe']).describe('The configured payment gateway'),
});

export const gatewayWebhookBodySchema = z
  .looseObject({})
  .describe("The gateway's event exactly as it sent it; its signature header is checked against these bytes");

export const gatewayWebhookResponseSchema = z.strictObject({
  received: z.literal(true),
  duplicate: z.boolean().describe('True when this event had been received and processed before'),
});

/**
 * `POST /v1/gateway_webhooks/:gateway`. Gateways sign the raw body and authenticate by that signature, not by an
 * API key, so this router is mounted before the JSON parser and the API-key check, with a raw body of its own.
 */
export function gatewayWebhooksRouter(
  deps: InboundDeps & { gateway?: PaymentGateway },
  registry: RouteRegistry,
): Router {
  registry.add({
    method: 'post',
    path: '/gateway_webhooks/:gateway',
    operationId: 'receiveGatewayWebhook',
    summary: 'Receive a payment gateway webhook',
    description:
      'Called by the payment gateway, not by API clients: authenticated by the gateway signature header ' +
      '(`Perennial-Sandbox-Signature` or `Stripe-Signature`), not by an API key. Each event is acted on once; a ' +
      'redelivery is acknowledged with `duplicate: true`. Payment events are signalled to the subscription; ' +
      'dispute events keep the dispute (`GET /v1/disputes`) and, when lost, the reopened invoice and its ' +
      'chargeback; refunds made at the gateway’s dashboard are recorded once with a credit note. 503 ' +
      '(`temporal_unavailable`, `mail_unavailable`, `gateway_unavailable`) asks the gateway to retry. An event ' +
      'carrying text that cannot be stored (U+0000, an unpaired surrogate) is refused with 400 `invalid_text` ' +
      'naming the field of the verified event (`eventId`, `event.metadata.subscription_id`, …); one the gateway ' +
      'itself refuses to explain (it knows no payment the event names) a 409 `gateway_refused`.',
    tag: 'Gateway webhooks',
    auth: 'signature',
    params: gatewayWebhookParamsSchema,
    body: gatewayWebhookBodySchema,
    response: gatewayWebhookResponseSchema,
    errors: [400, 404, 409, 503],
  });

  const router = Router();
  router.post(
    '/v1/gateway_webhooks/:gateway',
    express.raw({ type: () => true, limit: '1mb' }),
    async (req, res) => {
      const { gateway } = deps;
      assertStorableText(req.params);
      if (!gateway || req.params.gateway !== gateway.name) {
        throw new AppError(
          'not_found',
          'resource_missing',
          `No gateway ${req.params.gateway} is configured`,
          'gateway',
        );
      }
      const rawBody: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // A bad signature or payload is a 400 (`invalid_signature`, `invalid_payload`); a gateway that could not be
      // asked what the event needs (Stripe's payment intent behind a dispute) a 503, so the redelivery tries again.
      const webhook: VerifiedWebhook = await gateway.parseWebhook(rawBody, req.headers);
      // After the signature, so an unsigned body learns nothing; before anything is stored. Named by the field of
      // the verified event, which is what would be stored (a Stripe event is normalised first).
      assertStorableText({
        eventId: webhook.eventId,
        providerType: webhook.providerType,
        event: webhook.event,
      });
      // Temporal or the mail server away is a 503 (`temporal_unavailable`, `mail_unavailable`): redeliver later.
      res.status(200).json(await receiveGatewayEvent(deps, webhook));
    },
  );
  return router;
}
