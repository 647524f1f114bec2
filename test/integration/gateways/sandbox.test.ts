import { randomBytes, randomUUID } from 'node:crypto';
import { initOrm } from '../../../src/db/orm.config';
import { chargeOnce } from '../../../src/gateways/charge-once';
import { GatewayError } from '../../../src/gateways/errors';
import { SandboxGateway } from '../../../src/gateways/sandbox/sandbox-gateway';
import { SANDBOX_SIGNATURE_HEADER } from '../../../src/gateways/sandbox/webhook-signature';
import type { TestTokenName } from '../../../src/gateways/sandbox/test-tokens';
import type { ChargeRequest } from '../../../src/gateways/types';
import { createTestDatabase, type TestDatabase } from '../../support/database';

const webhookSecret = `whsec_sandbox_${randomBytes(16).toString('hex')}`;

describe('sandbox gateway on PostgreSQL', () => {
  let db: TestDatabase;
  let gateway: SandboxGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = new SandboxGateway({ orm: db.orm, webhookSecret });
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function chargeRequest(
    token: TestTokenName,
    amount = 2500,
    currency = 'EUR',
  ): Promise<ChargeRequest> {
    const { customerRef } = await gateway.createCustomer({ idempotencyKey: `customer-${randomUUID()}` });
    const { paymentMethodRef } = await gateway.attachPaymentMethod({ customerRef, token });
    const invoiceId = `inv_${randomUUID()}`;
    return {
      amount: { amount, currency },
      customerRef,
      paymentMethodRef,
      idempotencyKey: `${invoiceId}:attempt:1`,
      description: 'Monthly beans',
      metadata: { invoice_id: invoiceId, subscription_id: 'sub_beans', attempt: '1' },
    };
  }

  async function chargeRows(idempotencyKey: string): Promise<Array<{ id: string; status: string }>> {
    return db.orm.em
      .getConnection()
      .execute(`select "id", "status" from "sandbox_charges" where "idempotency_key" = ?`, [idempotencyKey]);
  }

  async function refundedTotal(chargeId: string): Promise<number> {
    const [row] = await db.orm.em
      .getConnection()
      .execute<Array<{ total: number }>>(
        `select coalesce(sum("amount"), 0)::int as "total" from "sandbox_refunds" where "charge_id" = ?`,
        [chargeId],
      );
    return row?.total ?? -1;
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

  describe('test tokens', () => {
    test.each([
      ['tok_visa', 'visa', '4242'],
      ['tok_mastercard', 'mastercard', '4444'],
    ] as const)(
      '%s attaches as %s •••• %s and its charge succeeds, recorded once',
      async (token, brand, last4) => {
        const { customerRef } = await gateway.createCustomer({ idempotencyKey: `customer-${randomUUID()}` });
        const card = await gateway.attachPaymentMethod({ customerRef, token });
        expect(card).toEqual({
          paymentMethodRef: expect.stringMatching(/^pm_sbx_/),
          brand,
          last4,
          expMonth: 12,
          expYear: 2034,
        });
        const request = await chargeRequest(token);

        const result = await gateway.charge(request);

        expect(result).toEqual({ status: 'succeeded', chargeId: expect.stringMatching(/^ch_sbx_/) });
        expect(await chargeRows(request.idempotencyKey)).toEqual([
          { id: result.status === 'succeeded' ? result.chargeId : '', status: 'succeeded' },
        ]);
      },
    );

    test.each([
      ['tok_chargeDeclined', 'generic_decline', 'Your card was declined.'],
      ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds', 'Your card has insufficient funds.'],
      ['tok_chargeDeclinedExpiredCard', 'expired_card', 'Your card has expired.'],
    ] as const)('%s is answered with the decline %s, not an error', async (token, declineCode, message) => {
      const request = await chargeRequest(token);

      const result = await gateway.charge(request);

      expect(result).toEqual({ status: 'declined', declineCode, message });
      expect(await chargeRows(request.idempotencyKey)).toEqual([
        { id: expect.any(String), status: 'declined' },
      ]);
      expect(await gateway.findChargeByIdempotencyKey(request.idempotencyKey)).toEqual(result);
    });

    test('tok_processingError throws a retryable processing error and records nothing', async () => {
      const request = await chargeRequest('tok_processingError');

      const error = await gatewayErrorOf(gateway.charge(request));
      const viaChargeOnce = await gatewayErrorOf(chargeOnce(gateway, request));

      expect(error).toMatchObject({ code: 'processing_error', retryable: true });
      expect(viaChargeOnce).toMatchObject({ code: 'processing_error', retryable: true });
      expect(await chargeRows(request.idempotencyKey)).toEqual([]);
      expect(await gateway.findChargeByIdempotencyKey(request.idempotencyKey)).toBeNull();
    });

    test('tok_timeoutAfterCharge throws a retryable timeout, and chargeOnce settles it by lookup with exactly one charge', async () => {
      const request = await chargeRequest('tok_timeoutAfterCharge');

      const error = await gatewayErrorOf(gateway.charge(request));
      const rowsAfterTimeout = await chargeRows(request.idempotencyKey);
      const settled = await chargeOnce(gateway, request);
      const settledAgain = await chargeOnce(gateway, request);

      expect(error).toMatchObject({ code: 'timeout', retryable: true });
      expect(rowsAfterTimeout).toEqual([{ id: expect.any(String), status: 'succeeded' }]);
      expect(settled).toEqual({ status: 'succeeded', chargeId: rowsAfterTimeout[0]?.id });
      expect(settledAgain).toEqual(settled);
      expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
    });

    test('tok_chargeDispute succeeds, then its dispute arrives as a signed webhook carrying the charge metadata', async () => {
      const request = await chargeRequest('tok_chargeDispute', 4200);
      const result = await gateway.charge(request);
      if (result.status !== 'succeeded') throw new Error('dispute token must succeed first');

      const delivery = await gateway.emitDispute(result.chargeId);
      const webhook = await gateway.parseWebhook(Buffer.from(delivery.rawBody), delivery.headers);

      expect(webhook).toEqual({
        gateway: 'sandbox',
        eventId: expect.stringMatching(/^evt_sbx_dispute_/),
        providerType: 'payment.disputed',
        event: {
          type: 'payment.disputed',
          chargeId: result.chargeId,
          disputeId: expect.stringMatching(/^dp_sbx_/),
          amount: { amount: 4200, currency: 'EUR' },
          reason: 'fraudulent',
          metadata: request.metadata,
        },
      });
      const again = await gateway.emitDispute(result.chargeId);
      const redelivered = await gateway.parseWebhook(again.rawBody, again.headers);
      expect(redelivered.eventId).toBe(webhook.eventId);
    });

    test("a disputed charge's later steps arrive as signed webhooks: an update with the fee, then the outcome", async () => {
      const request = await chargeRequest('tok_chargeDispute', 4200);
      const result = await gateway.charge(request);
      if (result.status !== 'succeeded') throw new Error('dispute token must succeed first');
      const parse = async (delivery: { rawBody: string; headers: Record<string, string> }) =>
        gateway.parseWebhook(delivery.rawBody, delivery.headers);
      const common = {
        chargeId: result.chargeId,
        disputeId: expect.stringMatching(/^dp_sbx_/),
        amount: { amount: 4200, currency: 'EUR' },
        reason: 'fraudulent',
        metadata: request.metadata,
      };

      const review = await parse(
        await gateway.emitDisputeUpdate(result.chargeId, 'under_review', { fee: 1500 }),
      );
      const lost = await parse(await gateway.emitDisputeClosed(result.chargeId, 'lost'));
      const won = await parse(await gateway.emitDisputeClosed(result.chargeId, 'won', { fee: 0 }));

      expect([review.event, lost.event, won.event]).toEqual([
        {
          type: 'dispute.updated',
          ...common,
          status: 'under_review',
          fee: { amount: 1500, currency: 'EUR' },
        },
        { type: 'dispute.closed', ...common, status: 'lost' },
        { type: 'dispute.closed', ...common, status: 'won', fee: { amount: 0, currency: 'EUR' } },
      ]);
      expect(new Set([review.eventId, lost.eventId, won.eventId]).size).toBe(3);
      const redelivered = await parse(await gateway.emitDisputeClosed(result.chargeId, 'lost'));
      expect(redelivered.eventId).toBe(lost.eventId);
      const opened = await parse(await gateway.emitDispute(result.chargeId));
      expect(opened.event).toMatchObject({ disputeId: (lost.event as { disputeId: string }).disputeId });
    });

    test('a charge made with another token cannot be disputed', async () => {
      const result = await gateway.charge(await chargeRequest('tok_visa'));
      if (result.status !== 'succeeded') throw new Error('tok_visa must succeed');

      const error = await gatewayErrorOf(gateway.emitDispute(result.chargeId));

      expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    });

    test('an unknown token is rejected at attach, and a foreign payment method at charge', async () => {
      const attach = await gatewayErrorOf(
        gateway.attachPaymentMethod({ customerRef: 'cus_x', token: 'tok_amex' }),
      );
      const request = { ...(await chargeRequest('tok_visa')), paymentMethodRef: 'pm_1Stripe' };
      const charge = await gatewayErrorOf(gateway.charge(request));

      expect(attach).toMatchObject({ code: 'invalid_request', retryable: false });
      expect(attach.message).toContain('tok_visa');
      expect(charge).toMatchObject({ code: 'invalid_request', retryable: false });
    });
  });

  describe('idempotency', () => {
    test('the same idempotency key twice returns the first result and records one charge', async () => {
      const request = await chargeRequest('tok_visa');

      const first = await gateway.charge(request);
      const second = await gateway.charge(request);

      expect(second).toEqual(first);
      expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
    });

    test('concurrent charges with one idempotency key all get the single charge that was made', async () => {
      const request = await chargeRequest('tok_mastercard');

      const results = await Promise.all(Array.from({ length: 6 }, () => gateway.charge(request)));

      const rows = await chargeRows(request.idempotencyKey);
      expect(rows).toHaveLength(1);
      expect(new Set(results.map((r) => (r.status === 'succeeded' ? r.chargeId : r.status)))).toEqual(
        new Set([rows[0]?.id]),
      );
    });

    test('a decline replays as the same decline; a new attempt key charges again', async () => {
      const request = await chargeRequest('tok_chargeDeclinedInsufficientFunds');

      const first = await gateway.charge(request);
      const replay = await gateway.charge(request);
      const nextAttempt = await gateway.charge({ ...request, idempotencyKey: `${request.idempotencyKey}:2` });

      expect(replay).toEqual(first);
      expect(nextAttempt).toEqual(first);
      expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
      expect(await chargeRows(`${request.idempotencyKey}:2`)).toHaveLength(1);
    });

    test('a key reused for a different amount is refused instead of answered with the old charge', async () => {
      const request = await chargeRequest('tok_visa');
      await gateway.charge(request);

      const error = await gatewayErrorOf(
        gateway.charge({ ...request, amount: { amount: 9999, currency: 'EUR' } }),
      );

      expect(error).toMatchObject({ code: 'idempotency_key_reused', retryable: false });
      expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
    });

    test('idempotency survives a restart: a new gateway on a new connection finds the earlier charge', async () => {
      const request = await chargeRequest('tok_visa');
      const first = await gateway.charge(request);
      const orm = await initOrm(db.url, { poolMax: 1 });
      try {
        const restarted = new SandboxGateway({ orm, webhookSecret });

        expect(await restarted.findChargeByIdempotencyKey(request.idempotencyKey)).toEqual(first);
        expect(await chargeOnce(restarted, request)).toEqual(first);
      } finally {
        await orm.close(true);
      }
      expect(await chargeRows(request.idempotencyKey)).toHaveLength(1);
    });

    test('chargeOnce charges when no earlier attempt exists, and returns declines as answers', async () => {
      const success = await chargeRequest('tok_visa');
      const decline = await chargeRequest('tok_chargeDeclinedExpiredCard');

      expect(await chargeOnce(gateway, success)).toEqual({
        status: 'succeeded',
        chargeId: expect.any(String),
      });
      expect(await chargeOnce(gateway, decline)).toMatchObject({
        status: 'declined',
        declineCode: 'expired_card',
      });
      expect(await chargeRows(success.idempotencyKey)).toHaveLength(1);
      expect(await chargeRows(decline.idempotencyKey)).toHaveLength(1);
    });

    test('fractional, zero and unknown-currency amounts are refused before anything is recorded', async () => {
      const request = await chargeRequest('tok_visa');

      for (const amount of [
        { amount: 10.5, currency: 'EUR' },
        { amount: 0, currency: 'EUR' },
        { amount: 100, currency: 'XXX' },
      ]) {
        expect(await gatewayErrorOf(gateway.charge({ ...request, amount }))).toMatchObject({
          code: 'invalid_request',
        });
      }
      expect(await chargeRows(request.idempotencyKey)).toEqual([]);
    });
  });

  describe('refunds', () => {
    async function succeededCharge(amount: number): Promise<string> {
      const result = await gateway.charge(await chargeRequest('tok_visa', amount));
      if (result.status !== 'succeeded') throw new Error('tok_visa must succeed');
      return result.chargeId;
    }

    test('a partial refund, then a refund without amount takes exactly the remainder, then nothing more', async () => {
      const chargeId = await succeededCharge(1000);

      const partial = await gateway.refund({
        chargeId,
        amount: { amount: 400, currency: 'EUR' },
        idempotencyKey: `refund-${randomUUID()}`,
      });
      const rest = await gateway.refund({ chargeId, idempotencyKey: `refund-${randomUUID()}` });
      const more = await gatewayErrorOf(
        gateway.refund({
          chargeId,
          amount: { amount: 1, currency: 'EUR' },
          idempotencyKey: `refund-${randomUUID()}`,
        }),
      );

      expect(partial).toEqual({
        refundId: expect.stringMatching(/^re_sbx_/),
        chargeId,
        amount: { amount: 400, currency: 'EUR' },
        status: 'succeeded',
      });
      expect(rest.amount).toEqual({ amount: 600, currency: 'EUR' });
      expect(more).toMatchObject({ code: 'refund_exceeds_charge', retryable: false });
      expect(await refundedTotal(chargeId)).toBe(1000);
    });

    test('a dashboard refund is recorded in the ledger and reported with the cumulative amount of every refund', async () => {
      const request = await chargeRequest('tok_visa', 1000);
      const result = await gateway.charge(request);
      if (result.status !== 'succeeded') throw new Error('tok_visa must succeed');
      const chargeId = result.chargeId;
      const parse = async (delivery: { rawBody: string; headers: Record<string, string> }) =>
        gateway.parseWebhook(delivery.rawBody, delivery.headers);

      const first = await parse(await gateway.refundFromDashboard(chargeId, 300));
      await gateway.refund({
        chargeId,
        amount: { amount: 200, currency: 'EUR' },
        idempotencyKey: `refund-${randomUUID()}`,
      });
      const afterOurs = await parse(await gateway.emitRefunded(chargeId));
      const rest = await parse(await gateway.refundFromDashboard(chargeId));

      expect([first.event, afterOurs.event, rest.event]).toEqual(
        [300, 500, 1000].map((cumulative) => ({
          type: 'payment.refunded',
          chargeId,
          amountRefunded: { amount: cumulative, currency: 'EUR' },
          fullyRefunded: cumulative === 1000,
          metadata: request.metadata,
        })),
      );
      expect(await refundedTotal(chargeId)).toBe(1000);
      expect((await parse(await gateway.emitRefunded(chargeId))).eventId).toBe(rest.eventId);
      expect(await gatewayErrorOf(gateway.refundFromDashboard(chargeId, 1))).toMatchObject({
        code: 'refund_exceeds_charge',
      });
    });

    test('a refund larger than the charge is refused and records nothing', async () => {
      const chargeId = await succeededCharge(1000);

      const error = await gatewayErrorOf(
        gateway.refund({
          chargeId,
          amount: { amount: 1001, currency: 'EUR' },
          idempotencyKey: `refund-${randomUUID()}`,
        }),
      );

      expect(error).toMatchObject({ code: 'refund_exceeds_charge' });
      expect(await refundedTotal(chargeId)).toBe(0);
    });

    test('concurrent partial refunds never exceed the charge', async () => {
      const chargeId = await succeededCharge(1000);

      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          gateway.refund({
            chargeId,
            amount: { amount: 400, currency: 'EUR' },
            idempotencyKey: `refund-${randomUUID()}`,
          }),
        ),
      );

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
      expect(await refundedTotal(chargeId)).toBe(800);
    });

    test('the same refund idempotency key twice refunds once', async () => {
      const chargeId = await succeededCharge(1000);
      const request = {
        chargeId,
        amount: { amount: 300, currency: 'EUR' },
        idempotencyKey: `refund-${randomUUID()}`,
      };

      const first = await gateway.refund(request);
      const second = await gateway.refund(request);

      expect(second).toEqual(first);
      expect(await refundedTotal(chargeId)).toBe(300);
    });

    test('declined, unknown and other-currency refunds are refused', async () => {
      const declinedRequest = await chargeRequest('tok_chargeDeclined');
      const declined = await gateway.charge(declinedRequest);
      const [declinedRow] = await chargeRows(declinedRequest.idempotencyKey);
      const chargeId = await succeededCharge(1000);

      expect(declined.status).toBe('declined');
      expect(
        await gatewayErrorOf(
          gateway.refund({ chargeId: declinedRow?.id ?? '', idempotencyKey: `r-${randomUUID()}` }),
        ),
      ).toMatchObject({ code: 'invalid_request' });
      expect(
        await gatewayErrorOf(
          gateway.refund({ chargeId: 'ch_sbx_missing', idempotencyKey: `r-${randomUUID()}` }),
        ),
      ).toMatchObject({ code: 'not_found' });
      expect(
        await gatewayErrorOf(
          gateway.refund({
            chargeId,
            amount: { amount: 100, currency: 'USD' },
            idempotencyKey: `r-${randomUUID()}`,
          }),
        ),
      ).toMatchObject({ code: 'invalid_request' });
      expect(await refundedTotal(chargeId)).toBe(0);
    });
  });

  describe('webhook signatures', () => {
    const event = {
      type: 'payment.refunded',
      chargeId: 'ch_sbx_webhook',
      amountRefunded: { amount: 500, currency: 'EUR' },
      fullyRefunded: false,
      metadata: { invoice_id: 'inv_1', subscription_id: 'sub_1' },
    } as const;

    test('a correctly signed delivery is accepted and normalized', async () => {
      const delivery = gateway.signedDelivery('evt_sbx_1', event);

      expect(await gateway.parseWebhook(delivery.rawBody, delivery.headers)).toEqual({
        gateway: 'sandbox',
        eventId: 'evt_sbx_1',
        providerType: 'payment.refunded',
        event,
      });
    });

    test('a tampered body is rejected', async () => {
      const delivery = gateway.signedDelivery('evt_sbx_2', event);
      const tampered = delivery.rawBody.replace('"amount":500', '"amount":50000');

      expect(tampered).not.toBe(delivery.rawBody);
      expect(await gatewayErrorOf(gateway.parseWebhook(tampered, delivery.headers))).toMatchObject({
        code: 'invalid_webhook_signature',
        retryable: false,
      });
    });

    test('a delivery signed with another secret, without a signature, or too old is rejected', async () => {
      const forger = new SandboxGateway({ orm: db.orm, webhookSecret: 'whsec_guess' });
      const forged = forger.signedDelivery('evt_sbx_3', event);
      const stale = new SandboxGateway({
        orm: db.orm,
        webhookSecret,
        now: () => new Date(Date.now() - 10 * 60 * 1000),
      }).signedDelivery('evt_sbx_4', event);

      for (const [rawBody, headers] of [
        [forged.rawBody, forged.headers],
        [forged.rawBody, { 'content-type': 'application/json' }],
        [stale.rawBody, stale.headers],
        [stale.rawBody, { [SANDBOX_SIGNATURE_HEADER]: 'v1=abc' }],
      ] as const) {
        expect(await gatewayErrorOf(gateway.parseWebhook(rawBody, headers))).toMatchObject({
          code: 'invalid_webhook_signature',
        });
      }
    });
  });
});
