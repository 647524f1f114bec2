import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { chargeOnce } from '../../../src/gateways/charge-once';
import { GatewayError } from '../../../src/gateways/errors';
import { IDEMPOTENCY_METADATA_KEY, StripeGateway } from '../../../src/gateways/stripe/stripe-gateway';
import type { ChargeRequest } from '../../../src/gateways/types';
import { freePort } from '../../../scripts/provision/ports';
import { startStripeMock, type StripeMock } from '../../support/stripe-mock';

/**
 * stripe-mock is stateless and answers from fixtures. Its bundled PaymentIntent fixture is still waiting for a
 * payment method, so a second instance runs with stripe-mock v0.203.0's own fixtures, trimmed to the resources
 * used here, whose PaymentIntent has succeeded.
 */
const succeededFixtures = path.join(__dirname, 'stripe-mock-fixtures.json');
const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;

interface ResponseEvent {
  method: string;
  path: string;
  status: number;
  idempotency_key?: string;
}

async function gatewayErrorOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError, but the call resolved');
}

function gatewayAt(mock: StripeMock): StripeGateway {
  return new StripeGateway({
    secretKey: 'sk_test_perennial',
    webhookSecret,
    host: mock.host,
    port: mock.httpPort,
    protocol: 'http',
  });
}

describe('Stripe adapter against stripe-mock', () => {
  let mock: StripeMock | undefined;
  let stockMock: StripeMock | undefined;
  let gateway: StripeGateway;
  const responses: ResponseEvent[] = [];

  beforeAll(async () => {
    [mock, stockMock] = await Promise.all([
      startStripeMock({ fixturesPath: succeededFixtures }),
      startStripeMock(),
    ]);
    gateway = gatewayAt(mock);
    // stripe-mock echoes the Idempotency-Key request header, so these events show what went over the wire.
    gateway.client.on('response', (event: ResponseEvent) => responses.push(event));
  });

  afterAll(async () => {
    await Promise.all([mock?.stop(), stockMock?.stop()]);
  });

  function responsesFor(method: string, pathPrefix: string): ResponseEvent[] {
    return responses.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  async function customerWithCard(): Promise<{ customerRef: string; paymentMethodRef: string }> {
    const { customerRef } = await gateway.createCustomer({
      idempotencyKey: `customer-${randomUUID()}`,
      email: 'roastery@example.test',
    });
    const { paymentMethodRef } = await gateway.attachPaymentMethod({ customerRef, token: 'tok_visa' });
    return { customerRef, paymentMethodRef };
  }

  function chargeRequest(refs: { customerRef: string; paymentMethodRef: string }): ChargeRequest {
    const invoiceId = `inv_${randomUUID()}`;
    return {
      amount: { amount: 2500, currency: 'EUR' },
      ...refs,
      idempotencyKey: `${invoiceId}:attempt:1`,
      description: 'Monthly beans',
      metadata: { invoice_id: invoiceId, subscription_id: 'sub_beans', attempt: '1' },
    };
  }

  test('creates a customer with its idempotency key and attaches a card, exposing only brand, last4 and expiry', async () => {
    const key = `customer-${randomUUID()}`;

    const { customerRef } = await gateway.createCustomer({
      idempotencyKey: key,
      email: 'roastery@example.test',
    });
    const card = await gateway.attachPaymentMethod({
      customerRef,
      token: 'tok_visa',
      idempotencyKey: `pm-${key}`,
    });

    expect(customerRef).toMatch(/^cus_/);
    expect(card).toEqual({
      paymentMethodRef: expect.stringMatching(/^pm_/),
      brand: 'visa',
      last4: '4242',
      expMonth: expect.any(Number),
      expYear: expect.any(Number),
    });
    expect(responsesFor('POST', '/v1/customers').map((r) => r.idempotency_key)).toContain(key);
    expect(
      responsesFor('POST', `/v1/payment_methods/${card.paymentMethodRef}/attach`).at(-1)?.idempotency_key,
    ).toBe(`pm-${key}:attach`);
  });

  test('charges an off-session PaymentIntent that succeeds, with the idempotency key passed to Stripe', async () => {
    const request = chargeRequest(await customerWithCard());

    const result = await gateway.charge(request);

    expect(result).toEqual({ status: 'succeeded', chargeId: expect.stringMatching(/^pi_/) });
    const sent = responsesFor('POST', '/v1/payment_intents').filter(
      (r) => r.idempotency_key === request.idempotencyKey,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.status).toBe(200);
  });

  test('refunds part of a charge and all of it, each with its own idempotency key', async () => {
    const result = await gateway.charge(chargeRequest(await customerWithCard()));
    if (result.status !== 'succeeded') throw new Error('the succeeded fixture must succeed');
    const partialKey = `refund-${randomUUID()}`;
    const fullKey = `refund-${randomUUID()}`;

    const partial = await gateway.refund({
      chargeId: result.chargeId,
      amount: { amount: 100, currency: 'EUR' },
      idempotencyKey: partialKey,
    });
    const full = await gateway.refund({ chargeId: result.chargeId, idempotencyKey: fullKey });

    expect(partial).toMatchObject({
      refundId: expect.stringMatching(/^re_/),
      amount: { amount: 100 },
      status: 'succeeded',
    });
    expect(full.refundId).toMatch(/^re_/);
    expect(responsesFor('POST', '/v1/refunds').map((r) => r.idempotency_key)).toEqual(
      expect.arrayContaining([partialKey, fullKey]),
    );
  });

  test('looks a charge up through PaymentIntent search on the idempotency-key metadata, and chargeOnce then charges nothing', async () => {
    const key = `inv_${randomUUID()}:attempt:2`;

    const found = await gateway.findChargeByIdempotencyKey(key);

    expect(found).toEqual({ status: 'succeeded', chargeId: expect.stringMatching(/^pi_/) });
    const search = responsesFor('GET', '/v1/payment_intents/search').at(-1);
    expect(search?.status).toBe(200);
    expect(decodeURIComponent(search?.path ?? '')).toContain(
      `metadata['${IDEMPOTENCY_METADATA_KEY}']:'${key}'`,
    );
    const settledRequest = chargeRequest(await customerWithCard());
    expect(await chargeOnce(gateway, settledRequest)).toEqual(found);
    expect(
      responsesFor('POST', '/v1/payment_intents').filter(
        (r) => r.idempotency_key === settledRequest.idempotencyKey,
      ),
    ).toEqual([]);
  });

  test('a PaymentIntent left requiring a payment method (stripe-mock’s stock fixture) is a decline, not an error', async () => {
    if (!stockMock) throw new Error('stock stripe-mock did not start');
    const stock = gatewayAt(stockMock);

    const result = await stock.charge(
      chargeRequest({ customerRef: 'cus_stock', paymentMethodRef: 'pm_stock' }),
    );

    expect(result).toEqual({
      status: 'declined',
      declineCode: 'generic_decline',
      message: expect.any(String),
    });
  });

  test('no answer from Stripe is a retryable timeout', async () => {
    const unreachable = new StripeGateway({
      secretKey: 'sk_test_perennial',
      webhookSecret,
      host: '127.0.0.1',
      port: await freePort(),
      protocol: 'http',
      maxNetworkRetries: 0,
    });

    const error = await gatewayErrorOf(
      unreachable.charge(chargeRequest({ customerRef: 'c', paymentMethodRef: 'p' })),
    );

    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  describe('webhooks', () => {
    function stripeEvent(type: string, object: Record<string, unknown>): string {
      return JSON.stringify({
        id: `evt_${randomBytes(8).toString('hex')}`,
        object: 'event',
        api_version: '2026-10-28.endive',
        created: Math.floor(Date.now() / 1000),
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object },
      });
    }

    function signed(payload: string, secret = webhookSecret): Record<string, string> {
      return { 'stripe-signature': gateway.client.webhooks.generateTestHeaderString({ payload, secret }) };
    }

    const succeededIntent = {
      id: 'pi_webhook',
      object: 'payment_intent',
      amount: 2500,
      currency: 'eur',
      status: 'succeeded',
      last_payment_error: null,
      metadata: {
        invoice_id: 'inv_1',
        subscription_id: 'sub_1',
        [IDEMPOTENCY_METADATA_KEY]: 'inv_1:attempt:1',
      },
    };

    test('a payload signed with the endpoint secret is accepted and normalized', async () => {
      const payload = stripeEvent('payment_intent.succeeded', succeededIntent);

      const webhook = await gateway.parseWebhook(Buffer.from(payload), signed(payload));

      expect(webhook).toEqual({
        gateway: 'stripe',
        eventId: JSON.parse(payload).id,
        providerType: 'payment_intent.succeeded',
        event: {
          type: 'payment.succeeded',
          chargeId: 'pi_webhook',
          amount: { amount: 2500, currency: 'EUR' },
          metadata: succeededIntent.metadata,
        },
      });
    });

    test('a tampered payload is rejected', async () => {
      const payload = stripeEvent('payment_intent.succeeded', succeededIntent);
      const headers = signed(payload);
      const tampered = payload.replace('"amount":2500', '"amount":1');

      expect(tampered).not.toBe(payload);
      expect(await gatewayErrorOf(gateway.parseWebhook(tampered, headers))).toMatchObject({
        code: 'invalid_webhook_signature',
        retryable: false,
      });
    });

    test('a payload signed with another secret, or unsigned, is rejected', async () => {
      const payload = stripeEvent('payment_intent.succeeded', succeededIntent);

      for (const headers of [signed(payload, 'whsec_someone_else'), {}]) {
        expect(await gatewayErrorOf(gateway.parseWebhook(payload, headers))).toMatchObject({
          code: 'invalid_webhook_signature',
        });
      }
    });

    test('failure, refund and dispute events are normalized; invoice events are acknowledged and ignored', async () => {
      const failed = stripeEvent('payment_intent.payment_failed', {
        ...succeededIntent,
        status: 'requires_payment_method',
        last_payment_error: {
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'No funds.',
        },
      });
      const refunded = stripeEvent('charge.refunded', {
        id: 'ch_1',
        object: 'charge',
        amount: 2500,
        amount_refunded: 2500,
        refunded: true,
        currency: 'eur',
        payment_intent: 'pi_webhook',
        metadata: { invoice_id: 'inv_1' },
      });
      const disputed = stripeEvent('charge.dispute.created', {
        id: 'dp_1',
        object: 'dispute',
        amount: 2500,
        currency: 'eur',
        reason: 'fraudulent',
        charge: 'ch_1',
        payment_intent: 'pi_webhook',
        metadata: {},
      });
      const invoice = stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice' });

      const events = await Promise.all(
        [failed, refunded, disputed, invoice].map((payload) =>
          gateway.parseWebhook(payload, signed(payload)),
        ),
      );

      expect(events.map((w) => w.event)).toEqual([
        {
          type: 'payment.failed',
          chargeId: 'pi_webhook',
          declineCode: 'insufficient_funds',
          message: 'No funds.',
          metadata: succeededIntent.metadata,
        },
        {
          type: 'payment.refunded',
          chargeId: 'pi_webhook',
          amountRefunded: { amount: 2500, currency: 'EUR' },
          fullyRefunded: true,
          // stripe-mock's PaymentIntent fixture has no metadata, so only the charge's own survives the merge.
          metadata: { invoice_id: 'inv_1' },
        },
        {
          type: 'payment.disputed',
          chargeId: 'pi_webhook',
          disputeId: 'dp_1',
          amount: { amount: 2500, currency: 'EUR' },
          reason: 'fraudulent',
          metadata: {},
        },
        null,
      ]);
      expect(events[3]?.providerType).toBe('invoice.paid');
      expect(responsesFor('GET', '/v1/payment_intents/pi_webhook')).toHaveLength(2);
    });

    test("a dispute's later events are normalized by its status, with the fee of its balance transactions", async () => {
      const disputeObject = (status: string, balance_transactions: object[] = []) => ({
        id: 'du_later',
        object: 'dispute',
        amount: 2500,
        currency: 'eur',
        reason: 'product_not_received',
        status,
        charge: 'ch_1',
        payment_intent: 'pi_webhook',
        metadata: {},
        balance_transactions,
      });
      const withdrawal = {
        id: 'txn_1',
        object: 'balance_transaction',
        amount: -2500,
        fee: 1500,
        currency: 'eur',
      };
      const payloads = [
        stripeEvent('charge.dispute.funds_withdrawn', disputeObject('needs_response', [withdrawal])),
        stripeEvent('charge.dispute.updated', disputeObject('under_review', [withdrawal])),
        stripeEvent('charge.dispute.closed', disputeObject('lost', [withdrawal])),
        stripeEvent('charge.dispute.closed', disputeObject('warning_closed')),
      ];
      const before = responsesFor('GET', '/v1/payment_intents/pi_webhook').length;

      const events = await Promise.all(
        payloads.map((payload) => gateway.parseWebhook(payload, signed(payload))),
      );

      const common = {
        chargeId: 'pi_webhook',
        disputeId: 'du_later',
        amount: { amount: 2500, currency: 'EUR' },
        reason: 'product_not_received',
        metadata: {},
      };
      const fee = { amount: 1500, currency: 'EUR' };
      expect(events.map((w) => [w.providerType, w.event])).toEqual([
        [
          'charge.dispute.funds_withdrawn',
          { type: 'dispute.updated', ...common, status: 'needs_response', fee },
        ],
        ['charge.dispute.updated', { type: 'dispute.updated', ...common, status: 'under_review', fee }],
        ['charge.dispute.closed', { type: 'dispute.closed', ...common, status: 'lost', fee }],
        ['charge.dispute.closed', { type: 'dispute.closed', ...common, status: 'won' }],
      ]);
      // Each is routed like the opening event: by the metadata of the PaymentIntent, looked up at Stripe.
      expect(responsesFor('GET', '/v1/payment_intents/pi_webhook')).toHaveLength(before + payloads.length);
    });
  });
});
