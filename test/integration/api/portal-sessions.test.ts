import { ApiKey } from '../../../src/db/entities';
import { type ApiCall, subscribeThroughApi, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';

describe('portal sessions: a token scoped to one customer', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack('portal');
  });

  afterAll(async () => {
    await stack?.close();
  });

  const callWith = (headers: Record<string, string>): ApiCall => supertestCall(stack.app, headers);

  test("reaches its own customer's record, subscription, actions and invoices, and nothing of anyone else", async () => {
    const secret = callWith(stack.auth);
    const mine = await subscribeThroughApi(secret, { customerEmail: 'mine@example.test' });
    const theirs = await subscribeThroughApi(secret, { customerEmail: 'theirs@example.test' });
    const session = await secret('POST', '/v1/portal_sessions', { customer_id: mine.customerId });
    expect(session).toMatchObject({
      status: 201,
      body: { object: 'portal_session', customer_id: mine.customerId },
    });
    const portal = callWith({ Authorization: `Bearer ${String(session.body.token)}` });
    const mySubscription = String(mine.subscription.id);
    const theirSubscription = String(theirs.subscription.id);
    const invoiceOf = async (subscriptionId: string) =>
      String(
        (
          (await secret('GET', `/v1/invoices?subscription_id=${subscriptionId}`)).body.data as {
            id: string;
          }[]
        )[0]?.id,
      );

    const allowed: [string, string, unknown?][] = [
      ['GET', `/v1/customers/${mine.customerId}`],
      ['GET', `/v1/customers/${mine.customerId}/payment_methods`],
      ['GET', `/v1/subscriptions/${mySubscription}`],
      ['POST', `/v1/subscriptions/${mySubscription}/pause`, {}],
      ['GET', `/v1/invoices/${await invoiceOf(mySubscription)}`],
    ];
    for (const [method, path, body] of allowed) {
      expect([method, path, (await portal(method as 'GET' | 'POST', path, body)).status]).toEqual([
        method,
        path,
        200,
      ]);
    }

    const forbidden: [string, string, unknown?][] = [
      ['GET', `/v1/customers/${theirs.customerId}`],
      ['GET', `/v1/subscriptions/${theirSubscription}`],
      ['POST', `/v1/subscriptions/${theirSubscription}/cancel`, { at: 'immediately' }],
      ['GET', `/v1/invoices/${await invoiceOf(theirSubscription)}`],
      ['GET', '/v1/invoices'],
      ['GET', '/v1/subscriptions'],
      ['GET', '/v1/plans'],
      ['GET', '/v1/settings'],
      ['POST', '/v1/portal_sessions', { customer_id: theirs.customerId }],
    ];
    for (const [method, path, body] of forbidden) {
      const response = await portal(method as 'GET' | 'POST', path, body);
      expect([method, path, response.status, (response.body.error as { type?: string })?.type]).toEqual([
        method,
        path,
        403,
        'permission_error',
      ]);
    }
    // Their subscription was not touched by the refused cancel.
    expect((await secret('GET', `/v1/subscriptions/${theirSubscription}`)).body).toMatchObject({
      status: 'active',
    });
  });

  test('a session also gives a single-use portal url valid for minutes with the return url, and its token lists and updates only its own customer', async () => {
    const secret = callWith(stack.auth);
    const mine = await subscribeThroughApi(secret, { customerEmail: 'lists-mine@example.test' });
    const theirs = await subscribeThroughApi(secret, { customerEmail: 'lists-theirs@example.test' });
    const session = await secret('POST', '/v1/portal_sessions', {
      customer_id: mine.customerId,
      return_url: 'https://shop.example.test/account',
    });
    expect(session.status).toBe(201);
    const body = session.body as {
      url: string;
      url_expires_at: string;
      expires_at: string;
      return_url: string;
    };
    expect(body.return_url).toBe('https://shop.example.test/account');
    expect(body.url).toMatch(/^http:\/\/localhost:3000\/portal\/session\/[A-Za-z0-9_-]{43}$/);
    // Minutes, not the token's hour: the url is for the redirect that follows at once.
    const urlLifetime = Date.parse(body.url_expires_at) - Date.now();
    expect(urlLifetime).toBeGreaterThan(60_000);
    expect(urlLifetime).toBeLessThanOrEqual(5 * 60_000);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.parse(body.url_expires_at));
    const notAUrl = await secret('POST', '/v1/portal_sessions', {
      customer_id: mine.customerId,
      return_url: 'javascript:alert(1)',
    });
    expect(notAUrl).toMatchObject({ status: 400, body: { error: { param: 'return_url' } } });

    const portal = callWith({ Authorization: `Bearer ${String(session.body.token)}` });
    const ownInvoices = await portal('GET', `/v1/invoices?customer_id=${mine.customerId}`);
    expect(ownInvoices.status).toBe(200);
    expect(
      (ownInvoices.body.data as { customer_id: string }[]).map((invoice) => invoice.customer_id),
    ).toEqual([mine.customerId]);
    const ownSubscriptions = await portal('GET', `/v1/subscriptions?customer_id=${mine.customerId}`);
    expect((ownSubscriptions.body.data as { id: string }[]).map((row) => row.id)).toEqual([
      String(mine.subscription.id),
    ]);
    const renamed = await portal('POST', `/v1/customers/${mine.customerId}`, { name: 'Erika Neu' });
    expect(renamed).toMatchObject({ status: 200, body: { name: 'Erika Neu' } });
    for (const [method, path, payload] of [
      ['GET', `/v1/invoices?customer_id=${theirs.customerId}`],
      ['GET', `/v1/subscriptions?customer_id=${theirs.customerId}`],
      ['POST', `/v1/customers/${theirs.customerId}`, { name: 'Mallory' }],
    ] as [string, string, unknown?][]) {
      expect([path, (await portal(method as 'GET' | 'POST', path, payload)).status]).toEqual([path, 403]);
    }
    expect((await secret('GET', `/v1/customers/${theirs.customerId}`)).body).toMatchObject({
      name: 'Erika Mustermann',
    });
  });

  test('an expired session is refused as unauthenticated, and a session needs an existing customer', async () => {
    const secret = callWith(stack.auth);
    const { customerId } = await subscribeThroughApi(secret, { customerEmail: 'expired@example.test' });
    const session = await secret('POST', '/v1/portal_sessions', { customer_id: customerId });
    const em = stack.db.orm.em.fork();
    const key = await em.findOneOrFail(ApiKey, { customerId });
    key.expiresAt = new Date(Date.now() - 1000);
    await em.flush();
    const expired = await callWith({ Authorization: `Bearer ${String(session.body.token)}` })(
      'GET',
      `/v1/customers/${customerId}`,
    );
    expect(expired.status).toBe(401);
    const unknown = await secret('POST', '/v1/portal_sessions', {
      customer_id: 'cus_000000000000000000000000',
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: { param: 'customer_id' } } });
  });
});
