import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import { creditNoteListSchema } from '../../../src/api/schemas/credit-notes';
import { disputeListSchema, disputeResponseSchema } from '../../../src/api/schemas/disputes';
import { invoiceResponseSchema } from '../../../src/api/schemas/invoices';
import { paymentListSchema } from '../../../src/api/schemas/payments';
import { refundListSchema } from '../../../src/api/schemas/refunds';
import type { CapturedMessage } from '../../../src/dev/smtp-catcher';
import { createLogger } from '../../../src/logging';
import { createMailer } from '../../../src/mail/mailer';
import {
  type DisputeFact,
  disputeClosedSignal,
  lifecycleWorkflowIdFor,
} from '../../../src/workflows/lifecycle/messages';
import { freePort } from '../../../scripts/provision/ports';
import { type ApiCall, ok as okWith, subscribeThroughApi, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { type Receiver, startReceiver } from './receiver';

type Body = Record<string, unknown>;
type Delivery = { rawBody: string; headers: Record<string, string> };

const SELLER_ADDRESS = 'owner@roesterei.example';

/**
 * Disputes and refunds made outside Perennial, as the gateway reports them by webhook: through the real API with
 * the sandbox gateway, the worker on the dev server, PostgreSQL and the SMTP catcher.
 */
describe('disputes and gateway refunds, from the gateway webhook to the books', () => {
  let stack: ApiStack;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startApiStack('disputes');
  });

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await stack?.close();
  });

  /** A webhook endpoint of its own for the test, subscribed to `types`. */
  async function endpointFor(types: string[]): Promise<Receiver> {
    const receiver = await startReceiver();
    receivers.push(receiver);
    await ok('POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: types });
    return receiver;
  }

  const secret: ApiCall = (method, path, body) => supertestCall(stack.app, stack.auth)(method, path, body);
  const ok = (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) =>
    okWith(secret, method, path, body);

  const post = (delivery: Delivery, app = stack.app) =>
    request(app).post('/v1/gateway_webhooks/sandbox').set(delivery.headers).send(delivery.rawBody);

  async function receive(delivery: Delivery): Promise<Body> {
    const response = await post(delivery);
    if (response.status !== 200)
      throw new Error(`webhook → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Body;
  }

  /** The README seller, with (or without) an address for the seller's own notices. */
  async function sellerNotices(notification: { email: string; locale: 'de' | 'en' } | null): Promise<void> {
    await ok('PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
      ...(notification
        ? { notification_email: notification.email, notification_locale: notification.locale }
        : {}),
    });
  }

  /** An active subscription whose first invoice was paid with `token`: its invoice, payment and charge. */
  async function paidSubscription(token: string, customerEmail: string) {
    const { subscription, customerId } = await subscribeThroughApi(secret, { token, customerEmail });
    const sid = String(subscription.id);
    const [invoice] = ((await ok('GET', `/v1/invoices?subscription_id=${sid}`)).data as Body[]).map((item) =>
      invoiceResponseSchema.parse(item),
    );
    if (invoice?.status !== 'paid') throw new Error('the first invoice must be paid');
    const [payment] = paymentListSchema.parse(
      await ok('GET', `/v1/payments?invoice_id=${invoice.id}&status=succeeded`),
    ).data;
    const chargeId = payment?.outcome?.charge_id;
    if (!payment || !chargeId) throw new Error('the paid invoice has no charge');
    return { sid, customerId, invoice, payment, chargeId };
  }

  async function eventsOf(customerId: string, type: string): Promise<Body[]> {
    return (await ok('GET', `/v1/events?customer_id=${customerId}&type=${type}&limit=100`)).data as Body[];
  }

  async function until<T>(
    what: string,
    probe: () => T | Promise<T>,
    done: (value: T) => boolean,
  ): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await probe();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The seller's notices whose subject matches, with Intl's no-break spaces (in "22,61 €") made plain. */
  const sellerMail = (subject: RegExp): CapturedMessage[] =>
    stack.catcher
      .messages()
      .filter((message) => message.envelopeTo.includes(SELLER_ADDRESS) && subject.test(message.subject ?? ''))
      .map((message) => ({ ...message, text: message.text?.replace(/\u00a0/g, ' ') ?? null }));

  /** The `disputeClosed` signals the subscription's workflow received, read from its history. */
  async function disputeSignals(sid: string): Promise<DisputeFact[]> {
    const history = await stack.env.client.workflow.getHandle(lifecycleWorkflowIdFor(sid)).fetchHistory();
    return (history.events ?? []).flatMap((event: temporal.api.history.v1.IHistoryEvent) => {
      const signaled = event.workflowExecutionSignaledEventAttributes;
      const payload = signaled?.input?.payloads?.[0];
      if (signaled?.signalName !== disputeClosedSignal.name || !payload) return [];
      return [defaultPayloadConverter.fromPayload<DisputeFact>(payload)];
    });
  }

  /** Outbound webhook deliveries of `type` about `invoiceId` that reached the receiver. */
  function delivered(receiver: Receiver, type: string, invoiceId: string): Body[] {
    return receiver.requests
      .map((received) => JSON.parse(received.rawBody) as Body)
      .filter((body) => body.type === type && (body.data as Body).invoiceId === invoiceId);
  }

  test('a lost dispute reopens its invoice for the disputed amount with a chargeback, records each step, emails the seller and signals the subscription once', async () => {
    const { sid, customerId, invoice, payment, chargeId } = await paidSubscription(
      'tok_chargeDispute',
      'lost-dispute@example.test',
    );
    await sellerNotices({ email: SELLER_ADDRESS, locale: 'de' });
    const receiver = await endpointFor([
      'dispute.opened',
      'dispute.updated',
      'dispute.lost',
      'refund.created',
      'invoice.reopened',
    ]);

    expect(await receive(await stack.gateway.emitDispute(chargeId))).toEqual({
      received: true,
      duplicate: false,
    });
    const [opened] = disputeListSchema.parse(await ok('GET', `/v1/disputes?invoice_id=${invoice.id}`)).data;
    expect(opened).toMatchObject({
      object: 'dispute',
      payment_id: payment.id,
      invoice_id: invoice.id,
      customer_id: customerId,
      subscription_id: sid,
      gateway: 'sandbox',
      amount: payment.amount,
      currency: 'EUR',
      reason: 'fraudulent',
      status: 'needs_response',
      fee_amount: null,
      chargeback_id: null,
      closed_at: null,
    });
    const disputeId = String(opened?.id);
    const [openedMail] = await until(
      'the opened notice',
      () => sellerMail(/^Rückbuchung eröffnet/),
      (m) => m.length > 0,
    );
    expect(openedMail?.subject).toBe(`Rückbuchung eröffnet: 22,61 € zu Rechnung ${invoice.number}`);
    expect(openedMail?.text).toContain(disputeId);
    expect(openedMail?.text).toContain('betrügerisch');

    await receive(await stack.gateway.emitDisputeUpdate(chargeId, 'under_review', { fee: 1500 }));
    expect(disputeResponseSchema.parse(await ok('GET', `/v1/disputes/${disputeId}`))).toMatchObject({
      status: 'under_review',
      fee_amount: 1500,
    });
    expect(await disputeSignals(sid)).toEqual([]);

    const lost = await stack.gateway.emitDisputeClosed(chargeId, 'lost');
    expect(await receive(lost)).toEqual({ received: true, duplicate: false });

    const reopened = invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoice.id}`));
    expect(reopened).toMatchObject({
      status: 'open',
      amount_due: invoice.amount_due,
      amount_paid: invoice.amount_paid - payment.amount,
      amount_refunded: 0,
    });
    const [chargeback] = refundListSchema.parse(await ok('GET', `/v1/refunds?invoice_id=${invoice.id}`)).data;
    expect(chargeback).toMatchObject({
      kind: 'chargeback',
      payment_id: payment.id,
      amount: payment.amount,
      gateway_reference: opened?.gateway_reference,
    });
    const closed = disputeResponseSchema.parse(await ok('GET', `/v1/disputes/${disputeId}`));
    expect(closed).toMatchObject({ status: 'lost', fee_amount: 1500, chargeback_id: chargeback?.id });
    expect(closed.closed_at).toEqual(expect.any(String));
    expect(
      disputeListSchema.parse(await ok('GET', `/v1/disputes?status=lost&customer_id=${customerId}`)).data,
    ).toEqual([closed]);

    for (const type of [
      'dispute.opened',
      'dispute.updated',
      'dispute.lost',
      'refund.created',
      'invoice.reopened',
    ]) {
      expect([type, (await eventsOf(customerId, type)).length]).toEqual([type, 1]);
    }
    expect((await eventsOf(customerId, 'dispute.lost'))[0]).toMatchObject({
      subscription_id: sid,
      data: {
        disputeId,
        invoiceId: invoice.id,
        status: 'lost',
        chargebackAmount: payment.amount,
        feeAmount: 1500,
      },
    });
    expect((await eventsOf(customerId, 'refund.created'))[0]).toMatchObject({
      data: { refundId: chargeback?.id, kind: 'chargeback', amount: payment.amount },
    });

    const [lostMail] = await until(
      'the lost notice',
      () => sellerMail(/^Rückbuchung verloren/),
      (m) => m.length > 0,
    );
    expect(lostMail?.text).toContain(`Rechnung ${invoice.number} ist mit 22,61 € wieder offen.`);
    expect(lostMail?.text).toContain('Rückbuchungsgebühr von 15,00 €');

    const fact: DisputeFact = {
      disputeId,
      invoiceId: invoice.id,
      amount: payment.amount,
      currency: 'EUR',
      feeAmount: 1500,
      outcome: 'lost',
    };
    expect(await disputeSignals(sid)).toEqual([fact]);
    await until(
      'the outbound webhooks',
      () =>
        ['dispute.opened', 'dispute.updated', 'dispute.lost', 'refund.created', 'invoice.reopened'].map(
          (type) => delivered(receiver, type, invoice.id).length,
        ),
      (counts) => counts.every((count) => count === 1),
    );

    // The gateway redelivers the outcome, reports it again under another event, then reports the other outcome:
    // nothing changes.
    expect(await receive(lost)).toEqual({ received: true, duplicate: true });
    const lostAgain = JSON.parse(lost.rawBody) as {
      event: Parameters<typeof stack.gateway.signedDelivery>[1];
    };
    expect(
      await receive(stack.gateway.signedDelivery(`evt_sbx_lost_again_${disputeId}`, lostAgain.event)),
    ).toEqual({
      received: true,
      duplicate: false,
    });
    expect(await receive(await stack.gateway.emitDisputeClosed(chargeId, 'won'))).toEqual({
      received: true,
      duplicate: false,
    });
    expect(disputeResponseSchema.parse(await ok('GET', `/v1/disputes/${disputeId}`))).toEqual(closed);
    expect(invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoice.id}`))).toMatchObject({
      status: 'open',
      amount_paid: reopened.amount_paid,
    });
    expect(refundListSchema.parse(await ok('GET', `/v1/refunds?invoice_id=${invoice.id}`)).data).toHaveLength(
      1,
    );
    expect(await eventsOf(customerId, 'dispute.won')).toEqual([]);
    expect(await eventsOf(customerId, 'dispute.lost')).toHaveLength(1);
    expect(await disputeSignals(sid)).toEqual([fact]);
    expect(sellerMail(/^Rückbuchung/)).toHaveLength(2);
  });

  test('a won dispute leaves the invoice paid and owes nothing; the seller hears only of the steps after an address was set', async () => {
    const { sid, customerId, invoice, payment, chargeId } = await paidSubscription(
      'tok_chargeDispute',
      'won-dispute@example.test',
    );
    await sellerNotices(null);
    await receive(await stack.gateway.emitDispute(chargeId));
    const [opened] = disputeListSchema.parse(await ok('GET', `/v1/disputes?invoice_id=${invoice.id}`)).data;
    const disputeId = String(opened?.id);
    await sellerNotices({ email: SELLER_ADDRESS, locale: 'en' });

    await receive(await stack.gateway.emitDisputeClosed(chargeId, 'won'));

    expect(disputeResponseSchema.parse(await ok('GET', `/v1/disputes/${disputeId}`))).toMatchObject({
      status: 'won',
      fee_amount: null,
      chargeback_id: null,
      closed_at: expect.any(String),
    });
    expect(invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoice.id}`))).toMatchObject({
      status: 'paid',
      amount_paid: invoice.amount_paid,
    });
    expect(refundListSchema.parse(await ok('GET', `/v1/refunds?invoice_id=${invoice.id}`)).data).toEqual([]);
    expect((await eventsOf(customerId, 'dispute.won')).map((event) => event.data)).toEqual([
      expect.objectContaining({ disputeId, status: 'won' }),
    ]);
    expect(await eventsOf(customerId, 'invoice.reopened')).toEqual([]);
    expect(await disputeSignals(sid)).toEqual([
      {
        disputeId,
        invoiceId: invoice.id,
        amount: payment.amount,
        currency: 'EUR',
        feeAmount: null,
        outcome: 'won',
      },
    ]);
    const [wonMail] = await until(
      'the won notice',
      () => sellerMail(new RegExp(`^Dispute won: €22\\.61 on invoice ${invoice.number}$`)),
      (m) => m.length > 0,
    );
    expect(wonMail?.text).toContain('The payment stands; nothing is owed.');
    // The dispute opened while no address was set: that notice is not sent late.
    const openedNotices = await stack.db.orm.em
      .getConnection()
      .execute<{ count: string }[]>(`select count(*) from "email_messages" where "cause_key" = ?`, [
        `seller:dispute_opened:${disputeId}`,
      ]);
    expect(Number(openedNotices[0]?.count)).toBe(0);
  });

  test('while Temporal is unreachable a lost dispute is booked once and answered 503; the redelivery signals once', async () => {
    const { sid, invoice, payment, chargeId } = await paidSubscription(
      'tok_chargeDispute',
      'outage-dispute@example.test',
    );
    await sellerNotices({ email: SELLER_ADDRESS, locale: 'en' });
    const down = new Client({
      connection: await Connection.lazy({ address: `127.0.0.1:${await freePort()}` }),
    });
    const mailer = createMailer(stack.catcher.smtpUrl, 'Perennial <billing@example.test>');
    const lost = await stack.gateway.emitDisputeClosed(chargeId, 'lost');
    try {
      const downApp = createApp({
        orm: stack.db.orm,
        client: down,
        logger: createLogger('silent', 'test-api'),
        config: { TEMPORAL_TASK_QUEUE: stack.taskQueue, RATE_LIMIT_PER_MINUTE: 1200 },
        gateway: stack.gateway,
        mailer,
      });
      const outage = await post(lost, downApp).expect(503);
      expect(outage.body.error).toMatchObject({ type: 'service_unavailable', code: 'temporal_unavailable' });
    } finally {
      await down.connection.close();
      mailer.close();
    }
    const booked = disputeListSchema.parse(await ok('GET', `/v1/disputes?invoice_id=${invoice.id}`)).data;
    expect(booked).toMatchObject([{ status: 'lost' }]);
    expect(await disputeSignals(sid)).toEqual([]);

    expect(await receive(lost)).toEqual({ received: true, duplicate: false });

    expect(
      refundListSchema.parse(await ok('GET', `/v1/refunds?invoice_id=${invoice.id}`)).data,
    ).toMatchObject([{ kind: 'chargeback', amount: payment.amount }]);
    expect(await disputeSignals(sid)).toMatchObject([{ disputeId: booked[0]?.id, outcome: 'lost' }]);
    const disputeId = String(booked[0]?.id);
    await until(
      'the notices',
      () => sellerMail(new RegExp(`^Dispute (opened|lost): .* ${invoice.number}$`)),
      (m) => m.length >= 2,
    );
    const causes = await stack.db.orm.em
      .getConnection()
      .execute<{ cause_key: string }[]>(`select "cause_key" from "email_messages" where "cause_key" like ?`, [
        `seller:%:${disputeId}`,
      ]);
    expect(causes.map((row) => row.cause_key).sort()).toEqual([
      `seller:dispute_lost:${disputeId}`,
      `seller:dispute_opened:${disputeId}`,
    ]);
  });

  test('while the mail server refuses, a dispute notice answers 503 mail_unavailable; the redelivery sends it once', async () => {
    const { invoice, chargeId } = await paidSubscription('tok_chargeDispute', 'smtp-down@example.test');
    await sellerNotices({ email: SELLER_ADDRESS, locale: 'en' });
    const opened = await stack.gateway.emitDispute(chargeId);
    const refusing = createMailer(`smtp://127.0.0.1:${await freePort()}`, 'Perennial <billing@example.test>');
    try {
      const appWithoutMail = createApp({
        orm: stack.db.orm,
        client: stack.env.client,
        logger: createLogger('silent', 'test-api'),
        config: { TEMPORAL_TASK_QUEUE: stack.taskQueue, RATE_LIMIT_PER_MINUTE: 1200 },
        gateway: stack.gateway,
        mailer: refusing,
      });
      const outage = await post(opened, appWithoutMail).expect(503);
      expect(outage.body.error).toMatchObject({ type: 'service_unavailable', code: 'mail_unavailable' });
    } finally {
      refusing.close();
    }
    const [dispute] = disputeListSchema.parse(await ok('GET', `/v1/disputes?invoice_id=${invoice.id}`)).data;
    expect(dispute).toMatchObject({ status: 'needs_response' });

    expect(await receive(opened)).toEqual({ received: true, duplicate: false });
    expect(await receive(opened)).toEqual({ received: true, duplicate: true });
    const notices = await until(
      'the opened notice',
      () => sellerMail(new RegExp(`^Dispute opened: .* ${invoice.number}$`)),
      (m) => m.length > 0,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain(String(dispute?.id));
    // The refused attempt left its outbox row pending; the redelivery sent that same row.
    const outbox = await stack.db.orm.em
      .getConnection()
      .execute<{ status: string }[]>(`select "status" from "email_messages" where "cause_key" = ?`, [
        `seller:dispute_opened:${String(dispute?.id)}`,
      ]);
    expect(outbox).toEqual([{ status: 'sent' }]);
  });

  test('a refund made at the gateway dashboard is recorded once with its credit note; its redelivery and refunds Perennial made are not recorded again', async () => {
    const { customerId, invoice, payment, chargeId } = await paidSubscription(
      'tok_visa',
      'dashboard@example.test',
    );
    const receiver = await endpointFor(['refund.created', 'credit_note.created']);

    const dashboard = await stack.gateway.refundFromDashboard(chargeId, 500);
    expect(await receive(dashboard)).toEqual({ received: true, duplicate: false });

    const [refund] = refundListSchema.parse(await ok('GET', `/v1/refunds?payment_id=${payment.id}`)).data;
    expect(refund).toMatchObject({
      kind: 'refund',
      amount: 500,
      invoice_id: invoice.id,
      reason: 'Refunded at the payment gateway',
    });
    const notes = creditNoteListSchema.parse(
      await ok('GET', `/v1/credit_notes?invoice_id=${invoice.id}`),
    ).data;
    expect(notes).toEqual([
      expect.objectContaining({ amount: 500, outcome: 'refund', customer_id: customerId, refunds: [refund] }),
    ]);
    expect(invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoice.id}`))).toMatchObject({
      status: 'paid',
      amount_paid: invoice.amount_paid,
      amount_refunded: 500,
    });

    expect(await receive(dashboard)).toEqual({ received: true, duplicate: true });
    // Perennial's own refund, then the gateway's report of it (cumulative 800): recorded once, by the API.
    const ours = await ok('POST', '/v1/refunds', { payment_id: payment.id, amount: 300 });
    expect(await receive(await stack.gateway.emitRefunded(chargeId))).toEqual({
      received: true,
      duplicate: false,
    });
    // A report delivered late, after a newer one: it covers nothing new.
    const stale = stack.gateway.signedDelivery(`evt_sbx_stale_${chargeId}`, {
      type: 'payment.refunded',
      chargeId,
      amountRefunded: { amount: 500, currency: 'EUR' },
      fullyRefunded: false,
      metadata: {},
    });
    expect(await receive(stale)).toEqual({ received: true, duplicate: false });

    const refunds = refundListSchema.parse(await ok('GET', `/v1/refunds?payment_id=${payment.id}`)).data;
    expect(refunds.map((row) => [row.id, row.amount])).toEqual([
      [refund?.id, 500],
      [ours.id, 300],
    ]);
    expect(
      creditNoteListSchema.parse(await ok('GET', `/v1/credit_notes?invoice_id=${invoice.id}`)).data,
    ).toHaveLength(1);

    // The rest refunded at the dashboard: only the new part is recorded.
    await receive(await stack.gateway.refundFromDashboard(chargeId));
    const rest = payment.amount - 800;
    const after = refundListSchema.parse(await ok('GET', `/v1/refunds?payment_id=${payment.id}`)).data;
    expect(after.map((row) => row.amount)).toEqual([500, 300, rest]);
    const allNotes = creditNoteListSchema.parse(
      await ok('GET', `/v1/credit_notes?invoice_id=${invoice.id}`),
    ).data;
    expect(allNotes.map((note) => [note.amount, note.refunds.map((row) => row.amount)])).toEqual([
      [500, [500]],
      [rest, [rest]],
    ]);
    expect(invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoice.id}`))).toMatchObject({
      status: 'paid',
      amount_refunded: payment.amount,
    });
    expect(await eventsOf(customerId, 'refund.created')).toHaveLength(3);
    expect(await eventsOf(customerId, 'credit_note.created')).toHaveLength(2);
    await until(
      'the refund and credit note webhooks',
      () => [
        delivered(receiver, 'refund.created', invoice.id).length,
        delivered(receiver, 'credit_note.created', invoice.id).length,
      ],
      ([refundHooks, noteHooks]) => refundHooks === 3 && noteHooks === 2,
    );
  });

  test('a credit note made through the API emits credit_note.created, delivered as a webhook', async () => {
    const { customerId, invoice } = await paidSubscription('tok_visa', 'api-note@example.test');
    const receiver = await endpointFor(['credit_note.created']);

    const note = await ok('POST', '/v1/credit_notes', {
      invoice_id: invoice.id,
      amount: 100,
      reason: 'Goodwill',
      outcome: 'credit_balance',
    });

    expect((await eventsOf(customerId, 'credit_note.created')).map((event) => event.data)).toEqual([
      {
        creditNoteId: note.id,
        number: note.number,
        invoiceId: invoice.id,
        amount: 100,
        currency: 'EUR',
        reason: 'Goodwill',
        outcome: 'credit_balance',
      },
    ]);
    await until(
      'the credit note webhook',
      () => delivered(receiver, 'credit_note.created', invoice.id).length,
      (count) => count >= 1,
    );
  });

  test('disputes: 401 without a key, 403 for a portal session, 404 for an unknown id, 400 for a bad filter', async () => {
    const { customerId } = await paidSubscription('tok_visa', 'scope-dispute@example.test');
    const session = await ok('POST', '/v1/portal_sessions', { customer_id: customerId });
    const portal = supertestCall(stack.app, { Authorization: `Bearer ${String(session.token)}` });
    const anonymous = supertestCall(stack.app, {});
    const unknown = `/v1/disputes/dp_${'0'.repeat(24)}`;

    for (const path of ['/v1/disputes', unknown]) {
      expect([path, (await anonymous('GET', path)).status]).toEqual([path, 401]);
      expect([path, (await portal('GET', path)).status]).toEqual([path, 403]);
    }
    expect(await secret('GET', unknown)).toMatchObject({
      status: 404,
      body: { error: { type: 'not_found' } },
    });
    expect(await secret('GET', '/v1/disputes?status=maybe')).toMatchObject({
      status: 400,
      body: { error: { param: 'status' } },
    });
  });
});
