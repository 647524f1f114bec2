import type { components } from './schema';

export {
  createPerennialClient,
  type ListItem,
  type ListOptions,
  type ListPath,
  type PerennialClient,
  type PerennialClientOptions,
} from './client';
export { PerennialApiError, unwrap } from './errors';
export { retryAfterMs, type RetryEnvironment, type RetryOptions } from './retry';
export type { components, operations, paths } from './schema';

/** A resource or part of one as the API answers it: `Schema<'Subscription'>`, `Schema<'InvoiceLine'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** A request body: `RequestBody<'CreatePlanRequest'>`; fields with server defaults are optional. */
export type RequestBody<Name extends keyof components['requestBodies']> =
  components['requestBodies'][Name]['content']['application/json'];
