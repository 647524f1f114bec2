import type { components } from './schema';

type ErrorBody = components['schemas']['Error'];

/** An answer of the API that is not a success, with the error the API gave (`type`, `code`, `param`). */
export class PerennialApiError extends Error {
  override readonly name = 'PerennialApiError';
  readonly status: number;
  readonly type: ErrorBody['error']['type'] | undefined;
  readonly code: string | undefined;
  readonly param: string | undefined;
  /** The `Request-Id` of the answer, to find the request in the API's logs. */
  readonly requestId: string | undefined;

  constructor(response: Response, body: unknown) {
    const error = isErrorBody(body) ? body.error : undefined;
    super(
      error
        ? `${response.status} ${error.code}: ${error.message}`
        : `${response.status} ${response.statusText}`,
    );
    this.status = response.status;
    this.type = error?.type;
    this.code = error?.code;
    this.param = error?.param;
    this.requestId = response.headers.get('Request-Id') ?? undefined;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/**
 * The data of an answer of the generated client, or a `PerennialApiError` thrown for an error answer:
 * `const subscription = unwrap(await client.POST('/v1/subscriptions', { body }))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new PerennialApiError(result.response, result.error);
}
