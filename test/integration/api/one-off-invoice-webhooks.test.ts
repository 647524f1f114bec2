import { createdInvoiceResponseSchema } from '../../../src/api/schemas/invoices';
import { verifyPerennialSignature } from '../../../src/webhooks/verify';
import { customerWithCard, ok, supertestCall, type ApiCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { startReceiver, type Receiver } from '../webhooks/receiver';

/**
 * A one-off invoice has no workflow of its own; its events still reach webhook endpoints, through delivery workflows
 * that the API starts on the real stack (dev server, worker, PostgreSQL, sandbox gateway).
 */
describe('webhooks of a one-off invoice', () => {
  let stack: ApiStack;
  let receiver: Receiver;
  let call: ApiCall;

  beforeAll(async () => {
    [stack, receiver] = await Promise.all([startApiStack('one-off-webhooks'), startReceiver()]);
    call = supertestCall(stack.app, stack.auth);
  });

  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  async function delivered(count: number): Promise<{ type: string; data: Record<string, unknown> }[]> {
    const deadline = Date.now() + 60_000;
    while (receiver.requests.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return receiver.requests.map((request) => JSON.parse(request.rawBody) as never);
  }

  test('collect now with tok_visa: invoice.finalized and invoice.paid reach the endpoint, signed with its secret', async () => {
    await ok(call, 'PUT', '/v1/settings', {
      name: 'Rösterei',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      default_currency: 'EUR',
    });
    const endpoint = await ok(call, 'POST', '/v1/webhook_endpoints', {
      url: receiver.url,
      enabled_events: ['invoice.finalized', 'invoice.paid', 'invoice.payment_failed'],
    });
    const customer = await customerWithCard(call, {
      email: 'hooks@example.test',
      name: 'Erika',
      country: 'DE',
    });
    const invoice = createdInvoiceResponseSchema.parse(
      await ok(call, 'POST', '/v1/invoices', {
        customer_id: customer.id,
        currency: 'EUR',
        collect: 'now',
        lines: [{ description: 'Roasting workshop', amount: 6000 }],
      }),
    );
    expect(invoice.status).toBe('paid');

    const events = await delivered(2);
    expect(events.map((event) => event.type).sort()).toEqual(['invoice.finalized', 'invoice.paid']);
    expect(events.every((event) => event.data.invoiceId === invoice.id)).toBe(true);
    for (const request of receiver.requests) {
      expect(() =>
        verifyPerennialSignature(
          request.rawBody,
          request.headers['perennial-signature'] as string,
          String(endpoint.secret),
        ),
      ).not.toThrow();
    }
  });
});
