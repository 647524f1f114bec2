import {
  createPerennialClient,
  PerennialApiError,
  retryAfterMs,
  unwrap,
  type PerennialClientOptions,
  type RetryEnvironment,
} from '../../../clients/typescript/src';

interface Sent {
  method: string;
  url: string;
  authorization: string | null;
  idempotencyKey: string | null;
  body: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

const apiError = (status: number, type: string, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { type, code, message: `${code} happened` } }, headers);

const product = (id: string) => ({
  id,
  object: 'product',
  name: 'Coffee',
  description: null,
  add_on: false,
  tax_category: 'standard',
  active: true,
  created_at: '2026-01-01T00:00:00.000Z',
});

/**
 * A client over a scripted API: each request takes the next answer (a function of the request, or a Response),
 * and is recorded as it reached the network. The retry environment records the waits instead of sleeping.
 */
function scripted(
  answers: (Response | Error | ((sent: Sent) => Response))[],
  options: Partial<PerennialClientOptions> = {},
) {
  const sent: Sent[] = [];
  const waits: number[] = [];
  const environment: RetryEnvironment = {
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    now: () => Date.parse('2026-03-01T12:00:00Z'),
  };
  let keys = 0;
  const client = createPerennialClient({
    baseUrl: 'http://perennial.test/',
    apiKey: 'sk_test_123',
    idempotencyKey: () => `key-${++keys}`,
    retryEnvironment: environment,
    fetch: async (request) => {
      const record: Sent = {
        method: request.method,
        url: request.url,
        authorization: request.headers.get('Authorization'),
        idempotencyKey: request.headers.get('Idempotency-Key'),
        body: await request.text(),
      };
      sent.push(record);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`no scripted answer for ${record.method} ${record.url}`);
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer(record) : answer;
    },
    ...options,
  });
  return { client, sent, waits };
}

describe('the TypeScript client', () => {
  test('sends the API key on every request and an Idempotency-Key on every POST, the caller’s own if given', async () => {
    const { client, sent } = scripted([
      json(201, product('prod_1')),
      json(201, product('prod_2')),
      json(200, { object: 'list', data: [], has_more: false, next_cursor: null }),
    ]);
    await client.POST('/v1/products', { body: { name: 'Coffee' } });
    await client.POST('/v1/products', {
      body: { name: 'Coffee' },
      params: { header: { 'Idempotency-Key': 'mine' } },
    });
    await client.GET('/v1/products');
    expect(
      sent.map(({ method, url, authorization, idempotencyKey }) => [
        method,
        url,
        authorization,
        idempotencyKey,
      ]),
    ).toEqual([
      ['POST', 'http://perennial.test/v1/products', 'Bearer sk_test_123', 'key-1'],
      ['POST', 'http://perennial.test/v1/products', 'Bearer sk_test_123', 'mine'],
      ['GET', 'http://perennial.test/v1/products', 'Bearer sk_test_123', null],
    ]);
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ name: 'Coffee' });
  });

  test('retries 429 after its Retry-After, with the same request and Idempotency-Key', async () => {
    const { client, sent, waits } = scripted([
      apiError(429, 'rate_limit_error', 'rate_limited', { 'Retry-After': '2' }),
      json(201, product('prod_1')),
    ]);
    const created = unwrap(await client.POST('/v1/products', { body: { name: 'Coffee' } }));
    expect(created.id).toBe('prod_1');
    expect(waits).toEqual([2000]);
    expect(sent.map((request) => [request.idempotencyKey, request.body])).toEqual([
      ['key-1', '{"name":"Coffee"}'],
      ['key-1', '{"name":"Coffee"}'],
    ]);
  });

  test('retries 503 and a 409 of a request still in progress with a growing backoff; other 409s are answers', async () => {
    const { client, sent, waits } = scripted([
      apiError(503, 'service_unavailable', 'database_unavailable'),
      apiError(409, 'conflict', 'idempotency_request_in_progress'),
      apiError(503, 'service_unavailable', 'temporal_unavailable'),
      json(201, product('prod_1')),
      apiError(409, 'conflict', 'idempotency_key_reused'),
    ]);
    unwrap(await client.POST('/v1/products', { body: { name: 'Coffee' } }));
    // 250, 500, 1000 ms ceilings, each three quarters of it with the environment's 0.5 of jitter.
    expect(waits).toEqual([188, 375, 750]);
    expect(new Set(sent.map((request) => request.idempotencyKey))).toEqual(new Set(['key-1']));

    const reused = await client.POST('/v1/products', { body: { name: 'Tea' } });
    expect(reused.response.status).toBe(409);
    expect(sent).toHaveLength(5);
  });

  test('gives up after its attempts, or at once when Retry-After is longer than it may wait, and returns the answer', async () => {
    const unavailable = () => apiError(503, 'service_unavailable', 'database_unavailable');
    const { client, sent } = scripted([unavailable(), unavailable()], { retry: { maxAttempts: 2 } });
    const result = await client.GET('/v1/products');
    expect(result.response.status).toBe(503);
    expect(sent).toHaveLength(2);
    expect(() => unwrap(result)).toThrow(
      expect.objectContaining({ status: 503, type: 'service_unavailable', code: 'database_unavailable' }),
    );

    const patient = scripted([apiError(429, 'rate_limit_error', 'rate_limited', { 'Retry-After': '120' })], {
      retry: { maxDelayMs: 60_000 },
    });
    expect((await patient.client.GET('/v1/products')).response.status).toBe(429);
    expect(patient.waits).toEqual([]);
  });

  test('repeats a request whose connection broke only when repeating it is safe', async () => {
    const broken = () => new TypeError('fetch failed');
    const post = scripted([broken(), json(201, product('prod_1'))]);
    unwrap(await post.client.POST('/v1/products', { body: { name: 'Coffee' } }));
    expect(post.sent.map((request) => request.idempotencyKey)).toEqual(['key-1', 'key-1']);

    const remove = scripted([broken()]);
    await expect(
      remove.client.DELETE('/v1/invoice_items/{id}', { params: { path: { id: 'ii_1' } } }),
    ).rejects.toThrow('fetch failed');
    expect(remove.sent).toHaveLength(1);
  });

  test('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  test('iterates a list across its pages by cursor, with its filters and path parameters', async () => {
    const page = (ids: string[], more: boolean) =>
      json(200, {
        object: 'list',
        data: ids.map(product),
        has_more: more,
        next_cursor: more ? ids[ids.length - 1] : null,
      });
    const { client, sent } = scripted([page(['prod_1', 'prod_2'], true), page(['prod_3'], false)]);
    const names: string[] = [];
    for await (const item of client.list('/v1/products', { query: { limit: 2, active: 'true' } })) {
      names.push(item.id);
    }
    expect(names).toEqual(['prod_1', 'prod_2', 'prod_3']);
    expect(sent.map((request) => request.url)).toEqual([
      'http://perennial.test/v1/products?limit=2&active=true',
      'http://perennial.test/v1/products?limit=2&active=true&starting_after=prod_2',
    ]);

    const methods = scripted([json(200, { object: 'list', data: [], has_more: false, next_cursor: null })]);
    for await (const method of methods.client.list('/v1/customers/{id}/payment_methods', {
      path: { id: 'cus_1' },
    })) {
      throw new Error(`unexpected ${method.id}`);
    }
    expect(methods.sent.map((request) => request.url)).toEqual([
      'http://perennial.test/v1/customers/cus_1/payment_methods',
    ]);
  });

  test('a list answered with an error throws it, with the request id to look it up by', async () => {
    const { client } = scripted([
      apiError(400, 'invalid_request_error', 'invalid_parameter', { 'Request-Id': 'req_abc' }),
    ]);
    const iterate = async () => {
      for await (const item of client.list('/v1/subscriptions')) void item;
    };
    const error = await iterate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PerennialApiError);
    expect(error).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_parameter',
      requestId: 'req_abc',
      message: '400 invalid_parameter: invalid_parameter happened',
    });
  });
});
