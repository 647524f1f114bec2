import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { PerennialApiError } from './errors';
import { retryingFetch, type RetryEnvironment, type RetryOptions } from './retry';
import type { paths } from './schema';

export interface PerennialClientOptions {
  /** Where the API is, without `/v1` (the paths carry it): `http://localhost:3000`. */
  baseUrl: string;
  /** A secret key (`sk_…`) or a portal session token, sent as `Authorization: Bearer …`. */
  apiKey: string;
  /** Retries of answers that ask for one (409 in progress, 429, 503); `{ maxAttempts: 1 }` turns them off. */
  retry?: RetryOptions;
  /**
   * Makes the Idempotency-Key of a POST that does not bring its own. Default: a random UUID. The key is made once
   * per call, so the retries of that call reuse it and the API runs the request at most once.
   */
  idempotencyKey?: () => string;
  /** The `fetch` to send with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
  /** Sleep, randomness and clock of the retries; for tests. */
  retryEnvironment?: RetryEnvironment;
}

/** What a list operation answers. */
interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

type GetOperation<P extends keyof paths> = paths[P] extends { get: infer Operation } ? Operation : never;
type ListBody<P extends keyof paths> =
  GetOperation<P> extends { responses: { 200: { content: { 'application/json': infer Body } } } }
    ? Body
    : never;

/** The paths whose GET answers a page of a list: `'/v1/subscriptions'`, `'/v1/customers/{id}/payment_methods'`, … */
export type ListPath = {
  [P in keyof paths]: ListBody<P> extends ListPage<unknown> ? P : never;
}[keyof paths];

/** One element of the list at `P`: `ListItem<'/v1/subscriptions'>` is a subscription. */
export type ListItem<P extends ListPath> = ListBody<P> extends ListPage<infer T> ? T : never;

type ListParameters<P extends ListPath> =
  GetOperation<P> extends { parameters: infer Parameters } ? Parameters : never;

/** The filters of a list (its cursor is the iterator's business) and its path parameters, if it has any. */
export type ListOptions<P extends ListPath> = {
  query?: Omit<
    NonNullable<ListParameters<P> extends { query?: infer Query } ? Query : never>,
    'starting_after'
  >;
} & (ListParameters<P> extends { path: infer PathParameters } ? { path: PathParameters } : { path?: never });

export type PerennialClient = Client<paths> & {
  /**
   * Every element of a list, page after page, following `next_cursor` until `has_more` is false:
   * `for await (const subscription of client.list('/v1/subscriptions', { query: { status: 'active' } }))`.
   * Throws `PerennialApiError` when a page is answered with an error.
   */
  list<P extends ListPath>(
    path: P,
    ...options: ListArguments<P>
  ): AsyncGenerator<ListItem<P>, void, undefined>;
};

/** Options are required only when the list has path parameters. */
type ListArguments<P extends ListPath> =
  ListParameters<P> extends { path: Record<string, unknown> }
    ? [options: ListOptions<P>]
    : [options?: ListOptions<P>];

/** A GET of any list path, as `list` calls it: the generated types check each call site instead. */
type UntypedGet = (
  path: string,
  init: { params: { query: Record<string, unknown>; path?: unknown } },
) => Promise<{ data?: ListPage<unknown>; error?: unknown; response: Response }>;

/**
 * A client of the Perennial API: the generated, fully typed `GET`/`POST`/`PUT`/`DELETE` of openapi-fetch over the
 * document's paths, plus the API key on every request, an Idempotency-Key on every POST, retries of answers that
 * ask for one (honouring `Retry-After`), and `list` for cursor iteration.
 */
export function createPerennialClient(options: PerennialClientOptions): PerennialClient {
  const newKey = options.idempotencyKey ?? (() => globalThis.crypto.randomUUID());
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}` },
    fetch: retryingFetch(send, options.retry, options.retryEnvironment),
  });
  const idempotencyKeys: Middleware = {
    onRequest({ request }) {
      if (request.method === 'POST' && !request.headers.has('Idempotency-Key')) {
        request.headers.set('Idempotency-Key', newKey());
      }
      return request;
    },
  };
  client.use(idempotencyKeys);

  const get = client.GET as unknown as UntypedGet;
  async function* list<P extends ListPath>(path: P, ...rest: ListArguments<P>) {
    const [listOptions] = rest;
    let cursor: string | undefined;
    do {
      const query: Record<string, unknown> = {
        ...listOptions?.query,
        ...(cursor ? { starting_after: cursor } : {}),
      };
      const { data, error, response } = await get(path, {
        params: { query, ...(listOptions?.path ? { path: listOptions.path } : {}) },
      });
      if (!response.ok || data === undefined) throw new PerennialApiError(response, error);
      yield* data.data as ListItem<P>[];
      cursor = data.has_more && data.next_cursor !== null ? data.next_cursor : undefined;
    } while (cursor !== undefined);
  }

  return Object.assign(client, { list });
}
