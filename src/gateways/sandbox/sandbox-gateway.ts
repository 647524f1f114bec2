import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import { money, type Money } from '../../domain/money';
import { DECLINE_CODES, isDeclineCode } from '../decline-codes';
import { GatewayError } from '../errors';
import {
  DISPUTE_OUTCOMES,
  OPEN_DISPUTE_STATUSES,
  type DisputeOutcome,
  type OpenDisputeStatus,
} from '../types';
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
import {
  assertChargeRequest,
  assertIdempotencyKey,
  assertPositiveMoney,
  headerValue,
  toSafeInteger,
} from '../validation';
import { isTestTokenName, TEST_TOKEN_NAMES, TEST_TOKENS, type TestTokenName } from './test-tokens';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, verifySandboxSignature } from './webhook-signature';

export interface SandboxGatewayOptions {
  /** The sandbox keeps its ledger in the application's database so its idempotency survives restarts. */
  orm: MikroORM;
  /** Required, never defaulted: a guessable secret would let anyone forge disputes. */
  webhookSecret: string;
  /** How old a signed delivery may be; Stripe's default. */
  webhookToleranceSeconds?: number;
  now?: () => Date;
}

/** A webhook delivery as the gateway-webhook endpoint receives it. */
export interface SignedWebhookDelivery {
  rawBody: string;
  headers: Record<string, string>;
}

interface ChargeRow {
  id: string;
  idempotency_key: string;
  customer_ref: string;
  payment_method_ref: string;
  token: string;
  amount: string | number;
  currency: string;
  status: string;
  decline_code: string | null;
  decline_message: string | null;
  metadata: GatewayMetadata;
}

interface RefundRow {
  id: string;
  idempotency_key: string;
  charge_id: string;
  amount: string | number;
  currency: string;
}

/** The token travels inside the reference, so charging needs no payment-method table. */
const PAYMENT_METHOD_REF = /^pm_sbx_[0-9a-f]{16}_(tok_[A-Za-z]+)$/;

const moneySchema = z.strictObject({ amount: z.number().int(), currency: z.string() });
const metadataSchema = z.record(z.string(), z.string());
const sandboxEventSchema = z.strictObject({
  id: z.string().min(1),
  created: z.number().int(),
  event: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('payment.succeeded'),
      chargeId: z.string(),
      amount: moneySchema,
      metadata: metadataSchema,
    }),
    z.strictObject({
      type: z.literal('payment.failed'),
      chargeId: z.string(),
      declineCode: z.enum(DECLINE_CODES),
      message: z.string(),
      metadata: metadataSchema,
    }),
    z.strictObject({
      type: z.literal('payment.refunded'),
      chargeId: z.string(),
      amountRefunded: moneySchema,
      fullyRefunded: z.boolean(),
      metadata: metadataSchema,
    }),
    z.strictObject({
      type: z.literal('payment.disputed'),
      chargeId: z.string(),
      disputeId: z.string(),
      amount: moneySchema,
      reason: z.string(),
      metadata: metadataSchema,
    }),
    z.strictObject({
      type: z.literal('dispute.updated'),
      chargeId: z.string(),
      disputeId: z.string(),
      amount: moneySchema,
      reason: z.string(),
      status: z.enum(OPEN_DISPUTE_STATUSES),
      fee: moneySchema.optional(),
      metadata: metadataSchema,
    }),
    z.strictObject({
      type: z.literal('dispute.closed'),
      chargeId: z.string(),
      disputeId: z.string(),
      amount: moneySchema,
      reason: z.string(),
      status: z.enum(DISPUTE_OUTCOMES),
      fee: moneySchema.optional(),
      metadata: metadataSchema,
    }),
  ]),
});

function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}

function tokenOf(paymentMethodRef: string): TestTokenName {
  const token = PAYMENT_METHOD_REF.exec(paymentMethodRef)?.[1];
  if (!token || !isTestTokenName(token)) {
    throw new GatewayError(
      'invalid_request',
      `"${paymentMethodRef}" is not a sandbox payment method; attach one of the test tokens first`,
    );
  }
  return token;
}

function rowMoney(row: { amount: string | number; currency: string }): Money {
  return money(toSafeInteger(row.amount, 'Sandbox amount'), row.currency);
}

function resultOf(row: ChargeRow): ChargeResult {
  if (row.status === 'succeeded') return { status: 'succeeded', chargeId: row.id };
  if (row.decline_code && isDeclineCode(row.decline_code)) {
    return { status: 'declined', declineCode: row.decline_code, message: row.decline_message ?? '' };
  }
  throw new Error(`Sandbox charge ${row.id} has an unreadable outcome (${row.status}, ${row.decline_code})`);
}

function refundResultOf(row: RefundRow): RefundResult {
  return { refundId: row.id, chargeId: row.charge_id, amount: rowMoney(row), status: 'succeeded' };
}

function eventMoney(value: { amount: number; currency: string }): Money {
  try {
    return money(value.amount, value.currency);
  } catch (error) {
    if (error instanceof DomainError) throw new GatewayError('invalid_webhook_payload', error.message);
    throw error;
  }
}

/**
 * The default gateway: a processor simulated inside Perennial's own PostgreSQL, with Stripe's test-token
 * vocabulary. Its tables are accessed with plain parameterized SQL on purpose: they belong to the simulated
 * processor, not to Perennial's domain model.
 */
export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;
  private readonly toleranceSeconds: number;
  private readonly now: () => Date;

  constructor(private readonly options: SandboxGatewayOptions) {
    if (!options.webhookSecret) throw new Error('SandboxGateway needs a webhookSecret');
    this.toleranceSeconds = options.webhookToleranceSeconds ?? 300;
    this.now = options.now ?? (() => new Date());
  }

  private execute<T>(sql: string, params: unknown[], trx?: Transaction): Promise<T[]> {
    return this.options.orm.em.getConnection().execute<T[]>(sql, params, 'all', trx);
  }

  async createCustomer(request: CreateCustomerRequest): Promise<CustomerReference> {
    assertIdempotencyKey(request.idempotencyKey);
    // Derived from the key, so a retried call yields the same customer without storing anything.
    return { customerRef: `cus_sbx_${shortHash('customer', request.idempotencyKey)}` };
  }

  async attachPaymentMethod(request: AttachPaymentMethodRequest): Promise<AttachedPaymentMethod> {
    if (!isTestTokenName(request.token)) {
      throw new GatewayError(
        'invalid_request',
        `Unknown sandbox test token "${request.token}"; use one of ${TEST_TOKEN_NAMES.join(', ')}`,
      );
    }
    const card = TEST_TOKENS[request.token];
    const discriminator = request.idempotencyKey ?? randomBytes(8).toString('hex');
    return {
      paymentMethodRef: `pm_sbx_${shortHash(request.customerRef, request.token, discriminator)}_${request.token}`,
      brand: card.brand,
      last4: card.last4,
      expMonth: card.expMonth,
      expYear: card.expYear,
    };
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    assertChargeRequest(request);
    const token = tokenOf(request.paymentMethodRef);
    const behaviour = TEST_TOKENS[token].behaviour;

    // A replay returns the recorded answer before the token gets a say, exactly as a processor's idempotency layer
    // does: below, the insert's conflict on the key finds it; a token that errors inserts nothing, so it looks first.
    if (behaviour.kind === 'processing_error') {
      const earlier = await this.chargeRow(request.idempotencyKey);
      if (earlier) return resultOf(this.sameRequest(earlier, request));
      throw new GatewayError(
        'processing_error',
        'Sandbox processing error (tok_processingError); nothing was charged',
      );
    }
    const declined = behaviour.kind === 'decline' ? behaviour : null;
    const inserted = await this.execute<ChargeRow>(
      `insert into "sandbox_charges" ("id", "idempotency_key", "customer_ref", "payment_method_ref", "token", "amount",
         "currency", "status", "decline_code", "decline_message", "description", "metadata")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, cast(? as jsonb))
       on conflict ("idempotency_key") do nothing
       returning *`,
      [
        `ch_sbx_${randomBytes(12).toString('hex')}`,
        request.idempotencyKey,
        request.customerRef,
        request.paymentMethodRef,
        token,
        request.amount.amount,
        request.amount.currency,
        declined ? 'declined' : 'succeeded',
        declined?.declineCode ?? null,
        declined?.message ?? null,
        request.description,
        JSON.stringify(request.metadata),
      ],
    );
    // Nothing inserted: an earlier or concurrent request with the same key charged, and its row is the answer.
    const row = inserted[0] ?? (await this.chargeRow(request.idempotencyKey));
    if (!row) throw new Error(`Sandbox charge for key ${request.idempotencyKey} vanished after insert`);
    this.sameRequest(row, request);

    if (inserted.length > 0 && behaviour.kind === 'timeout_after_charge') {
      throw new GatewayError(
        'timeout',
        `Sandbox timeout after charging (tok_timeoutAfterCharge); charge ${row.id} exists, settle it by idempotency key`,
      );
    }
    return resultOf(row);
  }

  async findChargeByIdempotencyKey(idempotencyKey: string): Promise<ChargeResult | null> {
    assertIdempotencyKey(idempotencyKey);
    const row = await this.chargeRow(idempotencyKey);
    return row ? resultOf(row) : null;
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    assertIdempotencyKey(request.idempotencyKey);
    if (request.amount) assertPositiveMoney(request.amount, 'Refund amount');
    const connection = this.options.orm.em.getConnection();
    return connection.transactional(async (trx) => {
      // The charge row lock serializes refunds of one charge, so two concurrent partial refunds cannot overdraw it.
      const [charge] = await this.execute<ChargeRow>(
        `select * from "sandbox_charges" where "id" = ? for update`,
        [request.chargeId],
        trx,
      );
      if (!charge) throw new GatewayError('not_found', `No sandbox charge ${request.chargeId}`);

      const [earlier] = await this.execute<RefundRow>(
        `select * from "sandbox_refunds" where "idempotency_key" = ?`,
        [request.idempotencyKey],
        trx,
      );
      if (earlier) {
        const earlierAmount = rowMoney(earlier);
        if (
          earlier.charge_id !== request.chargeId ||
          (request.amount &&
            (request.amount.amount !== earlierAmount.amount ||
              request.amount.currency !== earlierAmount.currency))
        ) {
          throw new GatewayError(
            'idempotency_key_reused',
            `Refund idempotency key ${request.idempotencyKey} was used for a different refund`,
          );
        }
        return refundResultOf(earlier);
      }

      if (charge.status !== 'succeeded') {
        throw new GatewayError(
          'invalid_request',
          `Sandbox charge ${charge.id} was declined; there is nothing to refund`,
        );
      }
      const charged = rowMoney(charge);
      const [totals] = await this.execute<{ refunded: string | number }>(
        `select coalesce(sum("amount"), 0) as "refunded" from "sandbox_refunds" where "charge_id" = ?`,
        [charge.id],
        trx,
      );
      const remaining = charged.amount - toSafeInteger(totals?.refunded ?? 0, 'Refunded total');
      if (request.amount && request.amount.currency !== charged.currency) {
        throw new GatewayError(
          'invalid_request',
          `Refund currency ${request.amount.currency} differs from the charge's ${charged.currency}`,
        );
      }
      const amount = request.amount?.amount ?? remaining;
      if (remaining <= 0 || amount > remaining) {
        throw new GatewayError(
          'refund_exceeds_charge',
          `Refund of ${amount} exceeds what remains of charge ${charge.id} (${remaining} of ${charged.amount} ${charged.currency})`,
        );
      }
      await this.execute(
        `insert into "sandbox_refunds" ("id", "idempotency_key", "charge_id", "amount", "currency")
         values (?, ?, ?, ?, ?)
         on conflict ("idempotency_key") do nothing`,
        [
          `re_sbx_${randomBytes(12).toString('hex')}`,
          request.idempotencyKey,
          charge.id,
          amount,
          charged.currency,
        ],
        trx,
      );
      // The lock covers this charge only; the same key racing in for another charge is caught by reading back.
      const [row] = await this.execute<RefundRow>(
        `select * from "sandbox_refunds" where "idempotency_key" = ?`,
        [request.idempotencyKey],
        trx,
      );
      if (!row || row.charge_id !== charge.id || toSafeInteger(row.amount, 'Refund amount') !== amount) {
        throw new GatewayError(
          'idempotency_key_reused',
          `Refund idempotency key ${request.idempotencyKey} was used for a different refund`,
        );
      }
      return refundResultOf(row);
    });
  }

  /**
   * Produces the signed delivery a processor would send when the cardholder disputes a `tok_chargeDispute`
   * charge. Ids are derived from the charge, so emitting twice yields the same event, as a redelivery would.
   */
  async emitDispute(chargeId: string): Promise<SignedWebhookDelivery> {
    const dispute = await this.disputeOf(chargeId);
    return this.signedDelivery(`evt_sbx_dispute_${dispute.suffix}`, {
      type: 'payment.disputed',
      ...dispute.event,
    });
  }

  /**
   * The dispute of a `tok_chargeDispute` charge moved on without a decision: evidence is due (`needs_response`) or
   * being reviewed (`under_review`). `fee` (minor units of the charge's currency) is the processor's dispute fee,
   * as Stripe reports it when it withdraws the funds. The event id is derived from charge and status.
   */
  async emitDisputeUpdate(
    chargeId: string,
    status: OpenDisputeStatus,
    options: { fee?: number } = {},
  ): Promise<SignedWebhookDelivery> {
    const dispute = await this.disputeOf(chargeId);
    return this.signedDelivery(`evt_sbx_dispute_${dispute.suffix}_${status}`, {
      type: 'dispute.updated',
      ...dispute.event,
      status,
      ...this.feeOf(dispute.event.amount.currency, options.fee),
    });
  }

  /**
   * The card issuer decided the dispute of a `tok_chargeDispute` charge: `lost` (the money stays with the
   * cardholder) or `won`. `fee` as for `emitDisputeUpdate`. The event id is derived from charge and outcome.
   */
  async emitDisputeClosed(
    chargeId: string,
    status: DisputeOutcome,
    options: { fee?: number } = {},
  ): Promise<SignedWebhookDelivery> {
    const dispute = await this.disputeOf(chargeId);
    return this.signedDelivery(`evt_sbx_dispute_${dispute.suffix}_${status}`, {
      type: 'dispute.closed',
      ...dispute.event,
      status,
      ...this.feeOf(dispute.event.amount.currency, options.fee),
    });
  }

  /**
   * A refund made at the simulated processor's own dashboard, outside Perennial: recorded in the sandbox ledger
   * like any refund (never more than remains of the charge), and answered with the `payment.refunded` webhook the
   * processor then sends. `amount` in minor units of the charge's currency; omitted, whatever remains.
   */
  async refundFromDashboard(chargeId: string, amount?: number): Promise<SignedWebhookDelivery> {
    const charge = await this.succeededCharge(chargeId);
    await this.refund({
      chargeId,
      amount: amount === undefined ? undefined : money(amount, charge.currency),
      idempotencyKey: `dashboard_${randomBytes(12).toString('hex')}`,
    });
    return this.emitRefunded(chargeId);
  }

  /**
   * The `payment.refunded` webhook for a charge's refunds so far, whoever made them (the processor sends one after
   * each refund, Perennial's own included). It carries the cumulative amount, as Stripe's `charge.refunded` does;
   * the event id is derived from charge and that amount, so emitting twice yields the same event.
   */
  async emitRefunded(chargeId: string): Promise<SignedWebhookDelivery> {
    const charge = await this.succeededCharge(chargeId);
    const [totals] = await this.execute<{ refunded: string | number }>(
      `select coalesce(sum("amount"), 0) as "refunded" from "sandbox_refunds" where "charge_id" = ?`,
      [chargeId],
    );
    const refunded = toSafeInteger(totals?.refunded ?? 0, 'Refunded total');
    if (refunded === 0) {
      throw new GatewayError('invalid_request', `Sandbox charge ${chargeId} has no refunds to report`);
    }
    const charged = rowMoney(charge);
    return this.signedDelivery(`evt_sbx_refunded_${chargeId.replace(/^ch_sbx_/, '')}_${refunded}`, {
      type: 'payment.refunded',
      chargeId,
      amountRefunded: money(refunded, charged.currency),
      fullyRefunded: refunded === charged.amount,
      metadata: charge.metadata,
    });
  }

  private async succeededCharge(chargeId: string): Promise<ChargeRow> {
    const [charge] = await this.execute<ChargeRow>(`select * from "sandbox_charges" where "id" = ?`, [
      chargeId,
    ]);
    if (!charge) throw new GatewayError('not_found', `No sandbox charge ${chargeId}`);
    if (charge.status !== 'succeeded') {
      throw new GatewayError('invalid_request', `Sandbox charge ${chargeId} was declined`);
    }
    return charge;
  }

  /** The one dispute a `tok_chargeDispute` charge gets: the whole amount, reason `fraudulent`. */
  private async disputeOf(chargeId: string) {
    const [charge] = await this.execute<ChargeRow>(`select * from "sandbox_charges" where "id" = ?`, [
      chargeId,
    ]);
    if (!charge) throw new GatewayError('not_found', `No sandbox charge ${chargeId}`);
    if (charge.status !== 'succeeded' || charge.token !== 'tok_chargeDispute') {
      throw new GatewayError(
        'invalid_request',
        `Only successful tok_chargeDispute charges can be disputed; ${chargeId} was made with ${charge.token}`,
      );
    }
    const suffix = chargeId.replace(/^ch_sbx_/, '');
    return {
      suffix,
      event: {
        chargeId,
        disputeId: `dp_sbx_${suffix}`,
        amount: rowMoney(charge),
        reason: 'fraudulent',
        metadata: charge.metadata,
      },
    };
  }

  private feeOf(currency: string, fee: number | undefined): { fee?: Money } {
    return fee === undefined ? {} : { fee: money(fee, currency) };
  }

  /** Signs any normalized event as the sandbox would deliver it; tests use it to cover every event type. */
  signedDelivery(eventId: string, event: GatewayEvent): SignedWebhookDelivery {
    const created = Math.floor(this.now().getTime() / 1000);
    const rawBody = JSON.stringify({ id: eventId, created, event });
    return {
      rawBody,
      headers: {
        'content-type': 'application/json',
        [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(this.options.webhookSecret, rawBody, created),
      },
    };
  }

  async parseWebhook(rawBody: string | Buffer, headers: WebhookHeaders): Promise<VerifiedWebhook> {
    const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
    verifySandboxSignature(
      this.options.webhookSecret,
      body,
      headerValue(headers, SANDBOX_SIGNATURE_HEADER),
      Math.floor(this.now().getTime() / 1000),
      this.toleranceSeconds,
    );
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new GatewayError('invalid_webhook_payload', 'Sandbox webhook body is not JSON', { cause: error });
    }
    const parsed = sandboxEventSchema.safeParse(json);
    if (!parsed.success) {
      throw new GatewayError(
        'invalid_webhook_payload',
        `Sandbox webhook body is malformed: ${parsed.error.message}`,
      );
    }
    const { id, event } = parsed.data;
    return { gateway: 'sandbox', eventId: id, providerType: event.type, event: this.normalize(event) };
  }

  private normalize(event: z.infer<typeof sandboxEventSchema>['event']): GatewayEvent {
    switch (event.type) {
      case 'payment.succeeded':
        return { ...event, amount: eventMoney(event.amount) };
      case 'payment.failed':
        return event;
      case 'payment.refunded':
        return { ...event, amountRefunded: eventMoney(event.amountRefunded) };
      case 'payment.disputed':
        return { ...event, amount: eventMoney(event.amount) };
      case 'dispute.updated':
      case 'dispute.closed': {
        const { fee, ...rest } = event;
        return { ...rest, amount: eventMoney(event.amount), ...(fee ? { fee: eventMoney(fee) } : {}) };
      }
    }
  }

  private async chargeRow(idempotencyKey: string): Promise<ChargeRow | undefined> {
    const [row] = await this.execute<ChargeRow>(
      `select * from "sandbox_charges" where "idempotency_key" = ?`,
      [idempotencyKey],
    );
    return row;
  }

  /** A key reused for a different payment is a caller bug; answering with the old result would hide it. */
  private sameRequest(row: ChargeRow, request: ChargeRequest): ChargeRow {
    const recorded = rowMoney(row);
    if (
      recorded.amount !== request.amount.amount ||
      recorded.currency !== request.amount.currency ||
      row.customer_ref !== request.customerRef ||
      row.payment_method_ref !== request.paymentMethodRef
    ) {
      throw new GatewayError(
        'idempotency_key_reused',
        `Idempotency key ${request.idempotencyKey} was already used for a different charge (${row.id})`,
      );
    }
    return row;
  }
}
