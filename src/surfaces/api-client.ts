import type { CallerScope } from '../api/auth';
import type { ApiAnswer, ApiMethod, InProcessApi, ServerAddress } from '../api/in-process';

/** The API's error object, shown next to the field it names. */
export interface ApiError {
  type: string;
  code: string;
  message: string;
  param?: string;
}

export interface ListOf<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export type Sent<T> = { ok: true; body: T } | { ok: false; status: number; error: ApiError };

/** A read the page cannot do without failed: the surface's error handler turns it into a page (404, 403, 503…). */
export class ApiCallFailed extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(`${status} ${error.code}: ${error.message}`);
    this.name = 'ApiCallFailed';
  }
}

function errorOf(answer: ApiAnswer): ApiError {
  const body = answer.body as { error?: ApiError } | null;
  return body?.error ?? { type: 'api_error', code: 'internal_error', message: 'An internal error occurred' };
}

/** `/v1/x` + only the defined parameters, URL-encoded. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The JSON API as one page's caller sees it: a portal customer's scope, or the console's secret scope. */
export class ApiClient {
  constructor(
    private readonly api: InProcessApi,
    private readonly scope: CallerScope,
    private readonly via: ServerAddress,
    private readonly requestId?: string,
  ) {}

  /**
   * The catalogue (plans), read with the server's own reach: the portal names plans and offers the ones a customer
   * may change to, which a customer's portal scope does not read itself.
   */
  catalogue(): ApiClient {
    return this.scope.kind === 'secret'
      ? this
      : new ApiClient(this.api, { kind: 'secret' }, this.via, this.requestId);
  }

  async get<T>(path: string): Promise<T> {
    const answer = await this.api(this.scope, {
      method: 'GET',
      path,
      via: this.via,
      requestId: this.requestId,
    });
    if (answer.status >= 300) throw new ApiCallFailed(answer.status, errorOf(answer));
    return answer.body as T;
  }

  /** A command: its refusal is an answer for the form (the API's message next to its field), not a failure. */
  async send<T>(method: ApiMethod, path: string, body?: unknown, idempotencyKey?: string): Promise<Sent<T>> {
    const answer = await this.api(this.scope, {
      method,
      path,
      // A GET or DELETE carries its options in the query string.
      body: body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}),
      via: this.via,
      requestId: this.requestId,
      idempotencyKey,
    });
    if (answer.status >= 300) {
      // Outages and bugs are not the user's input: they become the error page, not a message beside a field.
      if (answer.status >= 500 || answer.status === 401 || answer.status === 429) {
        throw new ApiCallFailed(answer.status, errorOf(answer));
      }
      return { ok: false, status: answer.status, error: errorOf(answer) };
    }
    return { ok: true, body: answer.body as T };
  }

  /** A binary answer (an invoice PDF) passed through with its headers. */
  async raw(path: string): Promise<ApiAnswer> {
    const answer = await this.api(this.scope, {
      method: 'GET',
      path,
      via: this.via,
      requestId: this.requestId,
    });
    if (answer.status >= 300) throw new ApiCallFailed(answer.status, errorOf(answer));
    return answer;
  }
}
