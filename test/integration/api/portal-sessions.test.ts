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
