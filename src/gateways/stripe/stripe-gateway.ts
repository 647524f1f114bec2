import Stripe from 'stripe';
import { GatewayError } from '../errors';
import type {
  AttachedPaymentMethod,
  AttachPaymentMethodRequest,
  ChargeRequest,
  ChargeResult,
  CreateCustomerRequest,
  CustomerReference,
  GatewayEvent,
  GatewayMetadata,
  PaymentGateway,
  RefundRequest,
  RefundResult,
  VerifiedWebhook,
  WebhookHeaders,
} from '../types';
import { assertChargeRequest, assertIdempotencyKey, assertPositiveMoney, headerValue } from '../validation';
import {
  declineOrThrow,
  eventFromDispute,
  eventFromDisputeChange,
  eventFromPaymentIntent,
  eventFromRefundedCharge,
  gatewayErrorFromStripe,
  idOf,
  outcomeOfPaymentIntent,
  stripeMoney,
} from './mapping';

/** The metadata key under which every PaymentIntent carries its idempotency key, for lookups. */
export const IDEMPOTENCY_METADATA_KEY = 'perennial_idempotency_key';

export interface StripeGatewayOptions {
  secretKey: string;
  /** The endpoint's signing secret (`whsec_...`) from the Stripe dashboard or `stripe listen`. */
  webhookSecret: string;
  /** Overridable so tests (and a local stripe-mock) need no internet; defaults to api.stripe.com over HTTPS. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** The SDK retries network failures with the same idempotency key, which is safe for charges. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
  webhookToleranceSeconds?: number;
}

/**
 * Stripe as a `PaymentGateway`: off-session PaymentIntents, confirmed at creation.
 *
 * `chargeId` is the PaymentIntent id (`pi_...`), not the underlying Charge's: refunds, lookups and disputes all
 * resolve to it, and it stays stable across Stripe's internal retries of a confirmation.
 */
export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe' as const;
  /** Exposed for tests and diagnostics (request/response events); the gateway methods are the interface. */
  readonly client: Stripe;
  private readonly webhookSecret: string;
  private readonly toleranceSeconds: number;

  constructor(options: StripeGatewayOptions) {
    if (!options.secretKey) throw new Error('StripeGateway needs a secretKey');
    if (!options.webhookSecret) throw new Error('StripeGateway needs a webhookSecret');
    this.client = new Stripe(options.secretKey, {
      host: options.host,
      port: options.port,
      protocol: options.protocol,
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 30000,
      telemetry: false,
      appInfo: { name: 'Perennial' },
    });
    this.webhookSecret = options.webhookSecret;
    this.toleranceSeconds = options.webhookToleranceSeconds ?? 300;
  }

  async createCustomer(request: CreateCustomerRequest): Promise<CustomerReference> {
    assertIdempotencyKey(request.idempotencyKey);
    try {
      const customer = await this.client.customers.create(
        { email: request.email, name: request.name, metadata: request.metadata },
        { idempotencyKey: request.idempotencyKey },
      );
      return { customerRef: customer.id };
    } catch (error) {
      throw gatewayErrorFromStripe(error);
    }
  }

  async attachPaymentMethod(request: AttachPaymentMethodRequest): Promise<AttachedPaymentMethod> {
    if (request.idempotencyKey) assertIdempotencyKey(request.idempotencyKey);
    // Two calls, two derived keys: Stripe rejects one key reused for a different request.
    const key = (step: string) =>
      request.idempotencyKey ? { idempotencyKey: `${request.idempotencyKey}:${step}` } : {};
    try {
      const created = await this.client.paymentMethods.create(
        { type: 'card', card: { token: request.token } },
        key('create'),
      );
      const attached = await this.client.paymentMethods.attach(
        created.id,
        { customer: request.customerRef },
        key('attach'),
      );
      const card = attached.card ?? created.card;
      if (!card) throw new GatewayError('invalid_request', `Token ${request.token} did not produce a card`);
      return {
        paymentMethodRef: attached.id,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.exp_month,
        expYear: card.exp_year,
      };
    } catch (error) {
      throw gatewayErrorFromStripe(error);
    }
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    assertChargeRequest(request);
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.client.paymentIntents.create(
        {
          amount: request.amount.amount,
          currency: request.amount.currency.toLowerCase(),
          customer: request.customerRef,
          payment_method: request.paymentMethodRef,
          confirm: true,
          off_session: true,
          description: request.description,
          metadata: { ...request.metadata, [IDEMPOTENCY_METADATA_KEY]: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      return declineOrThrow(error);
    }
    return outcomeOfPaymentIntent(intent);
  }

  /**
   * Found through the Search API on the metadata key every charge carries, rather than by replaying the create
   * call: a replay would charge whenever the first attempt never reached Stripe. Search is eventually consistent
   * (Stripe indexes within about a minute), so a miss right after a timeout is not proof of absence; the charge
   * that follows reuses the same idempotency key, and Stripe's idempotency layer (24 hours) then returns the
   * first result instead of charging again. Between them, the two layers cover both time scales.
   */
  async findChargeByIdempotencyKey(idempotencyKey: string): Promise<ChargeResult | null> {
    // The key alphabet excludes quotes and backslashes, so it can be embedded in the query as is.
    assertIdempotencyKey(idempotencyKey);
    let found: Stripe.PaymentIntent | undefined;
    try {
      const result = await this.client.paymentIntents.search({
        query: `metadata['${IDEMPOTENCY_METADATA_KEY}']:'${idempotencyKey}'`,
        limit: 1,
      });
      found = result.data[0];
    } catch (error) {
      throw gatewayErrorFromStripe(error);
    }
    return found ? outcomeOfPaymentIntent(found) : null;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    assertIdempotencyKey(request.idempotencyKey);
    if (request.amount) assertPositiveMoney(request.amount, 'Refund amount');
    let refund: Stripe.Refund;
    try {
      refund = await this.client.refunds.create(
        { payment_intent: request.chargeId, amount: request.amount?.amount },
        { idempotencyKey: request.idempotencyKey },
      );
    } catch (error) {
      throw gatewayErrorFromStripe(error, 'refund');
    }
    if (refund.status === 'failed' || refund.status === 'canceled') {
      throw new GatewayError(
        'refund_failed',
        `Stripe refund ${refund.id} ${refund.status}: ${refund.failure_reason ?? 'no reason given'}`,
      );
    }
    return {
      refundId: refund.id,
      chargeId: idOf(refund.payment_intent) ?? request.chargeId,
      amount: stripeMoney(refund.amount, refund.currency),
      status: refund.status === 'succeeded' ? 'succeeded' : 'pending',
    };
  }

  async parseWebhook(rawBody: string | Buffer, headers: WebhookHeaders): Promise<VerifiedWebhook> {
    const signature = headerValue(headers, 'stripe-signature');
    if (!signature) throw new GatewayError('invalid_webhook_signature', 'Missing Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.client.webhooks.constructEvent(
        rawBody,
        signature,
        this.webhookSecret,
        this.toleranceSeconds,
      );
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      throw new GatewayError(
        type === 'StripeSignatureVerificationError' ? 'invalid_webhook_signature' : 'invalid_webhook_payload',
        `Stripe webhook rejected: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return {
      gateway: 'stripe',
      eventId: event.id,
      providerType: event.type,
      event: await this.normalize(event),
    };
  }

  /**
   * `invoice.*` events are deliberately ignored: Perennial is the billing system of record and charges through
   * bare PaymentIntents, so Stripe invoices exist only if someone also runs Stripe Billing on the same account, and
   * acting on them would book the same money twice.
   */
  private async normalize(event: Stripe.Event): Promise<GatewayEvent | null> {
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
        return eventFromPaymentIntent(event);
      case 'charge.refunded': {
        const charge = event.data.object;
        return eventFromRefundedCharge(
          charge,
          await this.intentMetadata(charge.payment_intent, charge.metadata),
        );
      }
      case 'charge.dispute.created': {
        const dispute = event.data.object;
        return eventFromDispute(dispute, await this.intentMetadata(dispute.payment_intent, dispute.metadata));
      }
      case 'charge.dispute.updated':
      case 'charge.dispute.funds_withdrawn':
      case 'charge.dispute.funds_reinstated':
      case 'charge.dispute.closed': {
        const dispute = event.data.object;
        return eventFromDisputeChange(
          dispute,
          await this.intentMetadata(dispute.payment_intent, dispute.metadata),
        );
      }
      default:
        return null;
    }
  }

  /**
   * Refund and dispute objects do not carry the PaymentIntent's metadata, which is what routes an event to its
   * invoice and subscription, so it is fetched. A failure is retryable: the endpoint answers 5xx and Stripe
   * redelivers.
   */
  private async intentMetadata(
    intent: string | Stripe.PaymentIntent | null,
    own: GatewayMetadata,
  ): Promise<GatewayMetadata> {
    if (intent && typeof intent !== 'string') return { ...own, ...intent.metadata };
    if (!intent) return own;
    try {
      const retrieved = await this.client.paymentIntents.retrieve(intent);
      return { ...own, ...retrieved.metadata };
    } catch (error) {
      throw gatewayErrorFromStripe(error);
    }
  }
}
