/**
 * Compile-time checks of the generated client, enforced by the typecheck of `npm test` and never run: a client
 * written the natural way compiles, and a wrong call does not (each `@ts-expect-error` fails the typecheck when
 * the line below it stops being an error).
 */
import type { ListItem, PerennialClient, RequestBody, Schema } from '../../../clients/typescript/src';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(proof: Equal<A, B>) => proof;

export async function writtenTheNaturalWay(client: PerennialClient): Promise<void> {
  const subscription = { path: { id: 'sub_0' } };
  // Commands without parameters take no body; the invoice PDF is a route of its own.
  await client.POST('/v1/subscriptions/{id}/resume', { params: subscription });
  await client.POST('/v1/subscriptions/{id}/reactivate', { params: subscription });
  await client.POST('/v1/subscriptions/{id}/change/cancel', { params: subscription });
  await client.POST('/v1/invoices/{id}/void', { params: { path: { id: 'in_0' } } });
  await client.POST('/v1/invoices/{id}/pay', { params: { path: { id: 'in_0' } } });
  await client.GET('/v1/invoices/{id}/pdf', { params: { path: { id: 'in_0' } }, parseAs: 'blob' });
  // Fields with server defaults may be left out.
  await client.POST('/v1/plans', { body: { product_id: 'prod_0', name: 'Beans', interval: 'month' } });
  await client.POST('/v1/customers', { body: { email: 'e@example.test', name: 'E', country: 'DE' } });
  await client.POST('/v1/subscriptions/{id}/pause', { params: subscription, body: {} });

  // @ts-expect-error a customer cannot be created without its fields
  await client.POST('/v1/customers', {});
  // @ts-expect-error a change says what changes
  await client.POST('/v1/subscriptions/{id}/change', { params: subscription });
  // @ts-expect-error a list under a customer needs the customer
  client.list('/v1/customers/{id}/payment_methods');
  // @ts-expect-error only lists are iterated
  client.list('/v1/invoices/{id}', { path: { id: 'in_0' } });
  // @ts-expect-error statuses are a closed set
  await client.GET('/v1/subscriptions', { params: { query: { status: 'suspended' } } });
}

export const namedAfterResources = [
  same<Schema<'Subscription'>['status'], Schema<'SubscriptionList'>['data'][number]['status']>(true),
  same<
    Schema<'Subscription'>['status'],
    'incomplete' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'paused' | 'canceled' | 'ended'
  >(true),
  same<Schema<'Invoice'>['status'], 'draft' | 'open' | 'paid' | 'void' | 'uncollectible'>(true),
  same<Schema<'Subscription'>['items'][number], Schema<'SubscriptionItem'>>(true),
  same<ListItem<'/v1/subscriptions'>, Schema<'Subscription'>>(true),
  same<ListItem<'/v1/customers/{id}/payment_methods'>, Schema<'PaymentMethod'>>(true),
  same<RequestBody<'CreatePlanRequest'>['interval_count'], number | undefined>(true),
  same<Schema<'Plan'>['interval_count'], number>(true),
];
