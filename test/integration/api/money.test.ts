import { WorkflowUpdateFailedError } from '@temporalio/client';
import request from 'supertest';
import { PaymentMethod, Subscription } from '../../../src/db/entities';
import { creditNoteListSchema, creditNoteResponseSchema } from '../../../src/api/schemas/credit-notes';
import { invoicePayResponseSchema, invoiceResponseSchema } from '../../../src/api/schemas/invoices';
import { paymentListSchema, paymentResponseSchema } from '../../../src/api/schemas/payments';
import { refundListSchema, refundResponseSchema } from '../../../src/api/schemas/refunds';
import { subscriptionResponseSchema } from '../../../src/api/schemas/subscriptions';
import { lifecycleWorkflowIdFor, voidInvoiceUpdate } from '../../../src/workflows/lifecycle/messages';
import { type ApiCall, subscribeThroughApi, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { recordChainIfAsked } from '../../support/histories';
import { countRows } from './harness';

type Method = 'GET' | 'POST' | 'PUT';
type Body = Record<string, unknown>;

/**
 * Invoice actions, payments, credit notes and refunds through the API, with the real worker on the dev server and
 * the sandbox gateway behind it.
 */
describe('invoice actions and the money resources', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack('money');
  });

  afterAll(async () => {
    await stack?.close();
  });

  const callWith = (headers: Record<string, string>): ApiCall => supertestCall(stack.app, headers);
  const secret: ApiCall = (method, path, body) => callWith(stack.auth)(method, path, body);
  const withKey = (key: string): ApiCall => callWith({ ...stack.auth, 'Idempotency-Key': key });

  async function ok(method: Method, path: string, body?: unknown, call: ApiCall = secret): Promise<Body> {
    const response = await call(method, path, body);
    if (response.status >= 300)
      throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async function untilReady(clockId: string): Promise<Body> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const clock = await ok('GET', `/v1/test_clocks/${clockId}`);
      if (clock.status === 'ready' || Date.now() > deadline) return clock;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function portalFor(customerId: string): Promise<ApiCall> {
    const session = await ok('POST', '/v1/portal_sessions', { customer_id: customerId });
    return callWith({ Authorization: `Bearer ${String(session.token)}` });
  }

  /** The customer's bank starts approving: the stored card now charges as the sandbox's succeeding card. */
  async function cardStartsSucceeding(paymentMethodId: string): Promise<void> {
    const em = stack.db.orm.em.fork();
    const method = await em.findOneOrFail(PaymentMethod, paymentMethodId);
    method.token = method.token.replace(/tok_chargeDeclined$/, 'tok_visa');
    await em.flush();
  }

  const readModelStatus = async (subscriptionId: string) =>
    (await stack.db.orm.em.fork().findOneOrFail(Subscription, subscriptionId)).status;

  test('voiding the invoice a past-due subscription is dunning for ends the episode: active again, event recorded, workflow and read model agree', async () => {
    const clock = await ok('POST', '/v1/test_clocks', { frozen_time: '2030-01-15T09:00:00.000Z' });
    const { planId } = await subscribeThroughApi(secret, {
      customerEmail: 'pastdue@example.test',
    });
    const customer = await ok('POST', '/v1/customers', {
      email: 'clocked@example.test',
      name: 'Clara Clock',
      locale: 'de',
      country: 'DE',
      test_clock_id: clock.id,
    });
    const cid = String(customer.id);
    await ok('POST', `/v1/customers/${cid}/payment_methods`, { gateway: 'sandbox', token: 'tok_visa' });
    const subscription = await ok('POST', '/v1/subscriptions', { customer_id: cid, plan_id: planId });
    const sid = String(subscription.id);
    expect(subscription.status).toBe('active');
    const declining = await ok('POST', `/v1/customers/${cid}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_chargeDeclined',
    });
    await ok('POST', `/v1/subscriptions/${sid}/payment_method`, { payment_method_id: declining.id });

    await ok('POST', `/v1/test_clocks/${String(clock.id)}/advance`, {
      frozen_time: '2030-02-16T09:00:00.000Z',
    });
    expect(await untilReady(String(clock.id))).toMatchObject({ status: 'ready' });
    const pastDue = subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${sid}`));
    expect(pastDue.status).toBe('past_due');
    const invoiceId = String(pastDue.past_due?.invoice_id);

    const voided = await secret('POST', `/v1/invoices/${invoiceId}/void`, {});
    expect(voided.status).toBe(200);
    expect(invoiceResponseSchema.parse(voided.body)).toMatchObject({ id: invoiceId, status: 'void' });

    const live = subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${sid}?live=true`));
    expect(live).toMatchObject({ status: 'active', past_due: null, live: true });
    expect(await readModelStatus(sid)).toBe('active');
    const events = await ok('GET', `/v1/events?subscription_id=${sid}&type=invoice.voided`);
    expect(events.data).toEqual([
      expect.objectContaining({ type: 'invoice.voided', data: expect.objectContaining({ invoiceId }) }),
    ]);

    const again = await secret('POST', `/v1/invoices/${invoiceId}/void`, {});
    expect(again).toMatchObject({ status: 409, body: { error: { type: 'conflict', code: 'invoice_void' } } });
    const payVoid = await secret('POST', `/v1/invoices/${invoiceId}/pay`, {});
    expect(payVoid).toMatchObject({ status: 409, body: { error: { code: 'invoice_void' } } });
    const paidInvoice = (await ok('GET', `/v1/invoices?subscription_id=${sid}&status=paid`)).data as Body[];
    const voidPaid = await secret('POST', `/v1/invoices/${String(paidInvoice[0]?.id)}/void`, {});
    expect(voidPaid).toMatchObject({ status: 409, body: { error: { code: 'invoice_paid' } } });
    await recordChainIfAsked('lifecycle-invoice-void', stack.env.client, lifecycleWorkflowIdFor(sid));
  });

  test('an incomplete subscription whose first invoice is voided ends as an expired incomplete one; another subscription’s workflow refuses to void it', async () => {
    const { subscription } = await subscribeThroughApi(secret, {
      token: 'tok_chargeDeclined',
      customerEmail: 'incomplete@example.test',
    });
    const sid = String(subscription.id);
    expect(subscription.status).toBe('incomplete');
    const invoiceId = String((subscription.past_due as { invoice_id: string }).invoice_id);

    // Another subscription's workflow refuses to void an invoice that is not its own, and leaves it open.
    const other = await subscribeThroughApi(secret, { customerEmail: 'bystander@example.test' });
    const foreign = stack.env.client.workflow
      .getHandle(lifecycleWorkflowIdFor(String(other.subscription.id)))
      .executeUpdate(voidInvoiceUpdate, { args: [{ invoiceId }] });
    await expect(foreign).rejects.toThrow(WorkflowUpdateFailedError);
    expect(await ok('GET', `/v1/invoices/${invoiceId}`)).toMatchObject({ status: 'open' });

    expect(invoiceResponseSchema.parse(await ok('POST', `/v1/invoices/${invoiceId}/void`))).toMatchObject({
      status: 'void',
    });
    const after = subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${sid}`));
    expect(after.status).toBe('ended');
    expect(await readModelStatus(sid)).toBe('ended');
  });

  test('pay retries at once: a decline answers 200 with the open invoice and the failed payment, a success pays it and the subscription recovers; a portal session pays only its own invoice', async () => {
    const mine = await subscribeThroughApi(secret, {
      token: 'tok_chargeDeclined',
      customerEmail: 'payer@example.test',
    });
    const theirs = await subscribeThroughApi(secret, { customerEmail: 'other@example.test' });
    const sid = String(mine.subscription.id);
    const invoiceId = String((mine.subscription.past_due as { invoice_id: string }).invoice_id);
    const myPortal = await portalFor(mine.customerId);
    const theirPortal = await portalFor(theirs.customerId);

    const forbidden = await theirPortal('POST', `/v1/invoices/${invoiceId}/pay`, {});
    expect(forbidden).toMatchObject({ status: 403, body: { error: { type: 'permission_error' } } });
    expect((await myPortal('POST', `/v1/invoices/${invoiceId}/void`, {})).status).toBe(403);

    const declined = await myPortal('POST', `/v1/invoices/${invoiceId}/pay`, {});
    expect(declined.status).toBe(200);
    const declinedBody = invoicePayResponseSchema.parse(declined.body);
    expect(declinedBody).toMatchObject({ id: invoiceId, status: 'open', amount_paid: 0 });
    expect(declinedBody.payment).toMatchObject({
      attempt: 2,
      status: 'failed',
      outcome: { charge_id: null, failure_code: 'generic_decline' },
    });
    expect(subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${sid}`))).toMatchObject({
      status: 'incomplete',
      past_due: { invoice_id: invoiceId, failed_attempts: 2 },
    });

    await cardStartsSucceeding(String(declinedBody.payment?.payment_method_id));
    const paid = invoicePayResponseSchema.parse(await ok('POST', `/v1/invoices/${invoiceId}/pay`, {}));
    expect(paid).toMatchObject({ status: 'paid', amount_paid: paid.amount_due });
    expect(paid.payment).toMatchObject({ attempt: 3, status: 'succeeded', amount: paid.amount_due });
    expect(paid.payment?.outcome?.charge_id).toEqual(expect.any(String));

    const live = subscriptionResponseSchema.parse(await ok('GET', `/v1/subscriptions/${sid}?live=true`));
    expect(live).toMatchObject({ status: 'active', past_due: null, live: true });
    expect(await readModelStatus(sid)).toBe('active');
    const payAgain = await secret('POST', `/v1/invoices/${invoiceId}/pay`, {});
    expect(payAgain).toMatchObject({ status: 409, body: { error: { code: 'invoice_paid' } } });
    await recordChainIfAsked('lifecycle-invoice-pay', stack.env.client, lifecycleWorkflowIdFor(sid));

    // The attempts, as the payments resource lists them.
    const all = paymentListSchema.parse(await ok('GET', `/v1/payments?invoice_id=${invoiceId}`));
    expect(all.data.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    const succeeded = paymentListSchema.parse(
      await ok('GET', `/v1/payments?customer_id=${mine.customerId}&status=succeeded`),
    );
    expect(succeeded.data.map((p) => p.id)).toEqual([paid.payment?.id]);
    const first = paymentListSchema.parse(await ok('GET', `/v1/payments?invoice_id=${invoiceId}&limit=2`));
    expect(first).toMatchObject({ has_more: true, next_cursor: all.data[1]?.id });
    const rest = paymentListSchema.parse(
      await ok(
        'GET',
        `/v1/payments?invoice_id=${invoiceId}&limit=2&starting_after=${String(first.next_cursor)}`,
      ),
    );
    expect(rest).toMatchObject({ has_more: false, next_cursor: null, data: [all.data[2]] });
    expect(paymentResponseSchema.parse(await ok('GET', `/v1/payments/${String(paid.payment?.id)}`))).toEqual(
      all.data[2],
    );
    const badStatus = await secret('GET', '/v1/payments?status=maybe');
    expect(badStatus).toMatchObject({ status: 400, body: { error: { param: 'status' } } });
  });

  test('a credit note with a refund outcome refunds exactly once: replayed key, repeated request after the stored answer is gone, and an over-credit', async () => {
    const { subscription, customerId } = await subscribeThroughApi(secret, {
      customerEmail: 'refund@example.test',
    });
    const invoices = (await ok('GET', `/v1/invoices?subscription_id=${String(subscription.id)}`))
      .data as Body[];
    const invoice = invoiceResponseSchema.parse(invoices[0]);
    expect(invoice.status).toBe('paid');
    const body = { invoice_id: invoice.id, amount: 500, reason: 'Damaged beans', outcome: 'refund' };

    const created = await withKey('cn-refund-1')('POST', '/v1/credit_notes', body);
    expect(created.status).toBe(201);
    const note = creditNoteResponseSchema.parse(created.body);
    expect(note).toMatchObject({
      invoice_id: invoice.id,
      customer_id: customerId,
      amount: 500,
      outcome: 'refund',
    });
    expect(note.refunds).toEqual([
      expect.objectContaining({ amount: 500, kind: 'refund', invoice_id: invoice.id }),
    ]);

    const replayed = await request(stack.app)
      .post('/v1/credit_notes')
      .set({ ...stack.auth, 'Idempotency-Key': 'cn-refund-1' })
      .send(body);
    expect(replayed.status).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(created.body);

    // The stored answer is gone (expired, or the first answer was never stored): the same key still refunds once.
    await stack.db.orm.em.getConnection().execute('delete from "idempotency_records"');
    const repeated = await withKey('cn-refund-1')('POST', '/v1/credit_notes', body);
    expect(repeated.status).toBe(201);
    expect(repeated.body).toEqual(created.body);
    expect(await countRows(stack.db, 'credit_notes')).toBe(1);
    expect(await countRows(stack.db, 'refunds')).toBe(1);
    expect(await countRows(stack.db, 'sandbox_refunds')).toBe(1);

    const payment = paymentListSchema.parse(
      await ok('GET', `/v1/payments?invoice_id=${invoice.id}&status=succeeded`),
    ).data[0];
    expect(payment).toMatchObject({ amount: invoice.amount_paid, amount_refunded: 500 });

    const overCredit = await secret('POST', '/v1/credit_notes', { ...body, amount: invoice.total });
    expect(overCredit).toMatchObject({ status: 409, body: { error: { code: 'amount_exceeds_refundable' } } });
    expect(await countRows(stack.db, 'credit_notes')).toBe(1);

    const toBalance = creditNoteResponseSchema.parse(
      await ok('POST', '/v1/credit_notes', { ...body, amount: 100, outcome: 'credit_balance' }),
    );
    expect(toBalance).toMatchObject({ outcome: 'credit_balance', refunds: [] });
    expect(await ok('GET', `/v1/customers/${customerId}`)).toMatchObject({
      balance: 100,
      balance_currency: 'EUR',
    });

    const list = creditNoteListSchema.parse(await ok('GET', `/v1/credit_notes?invoice_id=${invoice.id}`));
    expect(list.data.map((n) => n.id)).toEqual([note.id, toBalance.id]);
    expect(list.data[0]).toEqual(note);
    const byCustomer = creditNoteListSchema.parse(
      await ok('GET', `/v1/credit_notes?customer_id=${customerId}&limit=1`),
    );
    expect(byCustomer).toMatchObject({ has_more: true, next_cursor: note.id });
    expect(creditNoteResponseSchema.parse(await ok('GET', `/v1/credit_notes/${note.id}`))).toEqual(note);

    for (const [field, value] of [
      ['amount', -5],
      ['amount', 1.5],
      ['outcome', 'cash'],
      ['invoice_id', 'in_nope'],
      ['reason', ''],
    ] as const) {
      const invalid = await secret('POST', '/v1/credit_notes', { ...body, [field]: value });
      expect([field, invalid.status, (invalid.body.error as Body | undefined)?.param]).toEqual([
        field,
        400,
        field,
      ]);
    }
    const unknownInvoice = await secret('POST', '/v1/credit_notes', {
      ...body,
      invoice_id: 'in_000000000000000000000000',
    });
    expect(unknownInvoice).toMatchObject({ status: 404, body: { error: { param: 'invoice_id' } } });

    const open = await subscribeThroughApi(secret, {
      token: 'tok_chargeDeclined',
      customerEmail: 'open@example.test',
    });
    const openInvoice = String((open.subscription.past_due as { invoice_id: string }).invoice_id);
    const notPaid = await secret('POST', '/v1/credit_notes', { ...body, invoice_id: openInvoice });
    expect(notPaid).toMatchObject({ status: 409, body: { error: { code: 'invoice_not_paid' } } });
  });

  test('refunds: partial by key exactly once, the rest by default, never beyond what was paid', async () => {
    const { subscription } = await subscribeThroughApi(secret, { customerEmail: 'partial@example.test' });
    const invoices = (await ok('GET', `/v1/invoices?subscription_id=${String(subscription.id)}`))
      .data as Body[];
    const invoiceId = String(invoices[0]?.id);
    const payment = paymentListSchema.parse(await ok('GET', `/v1/payments?invoice_id=${invoiceId}`)).data[0];
    if (!payment) throw new Error('the paid invoice has no payment');
    const before = await countRows(stack.db, 'refunds');

    const first = await withKey('refund-part-1')('POST', '/v1/refunds', {
      payment_id: payment.id,
      amount: 300,
      reason: 'goodwill',
    });
    expect(first.status).toBe(201);
    const refund = refundResponseSchema.parse(first.body);
    expect(refund).toMatchObject({
      payment_id: payment.id,
      invoice_id: invoiceId,
      amount: 300,
      reason: 'goodwill',
    });
    expect(refund.gateway_reference).toEqual(expect.any(String));
    const replay = await withKey('refund-part-1')('POST', '/v1/refunds', {
      payment_id: payment.id,
      amount: 300,
      reason: 'goodwill',
    });
    expect(replay.body).toEqual(first.body);
    await stack.db.orm.em.getConnection().execute('delete from "idempotency_records"');
    const repeated = await withKey('refund-part-1')('POST', '/v1/refunds', {
      payment_id: payment.id,
      amount: 300,
      reason: 'goodwill',
    });
    expect(repeated).toMatchObject({ status: 201, body: { id: refund.id } });
    // Past the stored answer, the key itself still refuses a different refund.
    await stack.db.orm.em.getConnection().execute('delete from "idempotency_records"');
    const reused = await withKey('refund-part-1')('POST', '/v1/refunds', {
      payment_id: payment.id,
      amount: 200,
    });
    expect(reused).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    expect(await countRows(stack.db, 'refunds')).toBe(before + 1);

    const rest = refundResponseSchema.parse(await ok('POST', '/v1/refunds', { payment_id: payment.id }));
    expect(rest.amount).toBe(payment.amount - 300);
    const beyond = await secret('POST', '/v1/refunds', { payment_id: payment.id, amount: 1 });
    expect(beyond).toMatchObject({ status: 409, body: { error: { code: 'amount_exceeds_remaining' } } });
    expect(paymentResponseSchema.parse(await ok('GET', `/v1/payments/${payment.id}`)).amount_refunded).toBe(
      payment.amount,
    );
    const invoice = invoiceResponseSchema.parse(await ok('GET', `/v1/invoices/${invoiceId}`));
    expect(invoice.status).toBe('paid');

    const list = refundListSchema.parse(await ok('GET', `/v1/refunds?payment_id=${payment.id}`));
    expect(list.data.map((r) => [r.id, r.amount])).toEqual([
      [refund.id, 300],
      [rest.id, payment.amount - 300],
    ]);
    const page = refundListSchema.parse(await ok('GET', `/v1/refunds?invoice_id=${invoiceId}&limit=1`));
    expect(page).toMatchObject({ has_more: true, next_cursor: refund.id });
    expect(refundResponseSchema.parse(await ok('GET', `/v1/refunds/${refund.id}`))).toEqual(refund);

    for (const [field, value] of [
      ['amount', 0],
      ['amount', '300'],
      ['payment_id', 'pa_x'],
      ['reason', 'x'.repeat(501)],
    ] as const) {
      const invalid = await secret('POST', '/v1/refunds', { payment_id: payment.id, [field]: value });
      expect([field, invalid.status, (invalid.body.error as Body | undefined)?.param]).toEqual([
        field,
        400,
        field,
      ]);
    }
    const extra = await secret('POST', '/v1/refunds', { payment_id: payment.id, currency: 'EUR' });
    expect(extra).toMatchObject({
      status: 400,
      body: { error: { code: 'unknown_parameter', param: 'currency' } },
    });
    const unknown = await secret('POST', '/v1/refunds', { payment_id: 'pa_000000000000000000000000' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { param: 'payment_id' } } });
  });

  test('every new endpoint: 401 without a key, 403 for a portal session, 404 for unknown ids', async () => {
    const { customerId } = await subscribeThroughApi(secret, { customerEmail: 'scope@example.test' });
    const portal = await portalFor(customerId);
    const unknown = {
      in: 'in_000000000000000000000000',
      pa: 'pa_000000000000000000000000',
      cn: 'cn_000000000000000000000000',
      re: 're_000000000000000000000000',
    };
    const routes: [Method, string, unknown?][] = [
      ['POST', `/v1/invoices/${unknown.in}/void`, {}],
      ['POST', `/v1/invoices/${unknown.in}/pay`, {}],
      ['GET', '/v1/payments'],
      ['GET', `/v1/payments/${unknown.pa}`],
      ['POST', '/v1/credit_notes', { invoice_id: unknown.in, amount: 1, reason: 'x', outcome: 'none' }],
      ['GET', '/v1/credit_notes'],
      ['GET', `/v1/credit_notes/${unknown.cn}`],
      ['POST', '/v1/refunds', { payment_id: unknown.pa }],
      ['GET', '/v1/refunds'],
      ['GET', `/v1/refunds/${unknown.re}`],
    ];
    const noKey = callWith({});
    for (const [method, path, body] of routes) {
      const anonymous = await noKey(method, path, body);
      expect([method, path, anonymous.status, (anonymous.body.error as Body).type]).toEqual([
        method,
        path,
        401,
        'authentication_error',
      ]);
      const scoped = await portal(method, path, body);
      expect([method, path, scoped.status]).toEqual([method, path, 403]);
    }
    for (const [method, path, body] of routes.filter(([, path]) => /_0{24}$|_0{24}\//.test(path))) {
      const missing = await secret(method, path, body);
      expect([method, path, missing.status, (missing.body.error as Body).type]).toEqual([
        method,
        path,
        404,
        'not_found',
      ]);
    }
  });
});
