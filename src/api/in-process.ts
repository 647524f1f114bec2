import type { OutgoingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import inject, { type DispatchFunc } from 'light-my-request';
import type { CallerScope } from './auth';

/**
 * The portal and the console act through the JSON API's own routes, in-process: every call runs the same
 * middleware (authentication, portal scope, idempotency), the same zod schemas and the same handlers as a request
 * from outside, so a page can never validate or behave differently from the API. Each call carries a bearer token
 * minted for that call alone and forgotten when it returns; it never leaves this process.
 */
export class InProcessCallers {
  private readonly live = new Map<string, CallerScope>();

  /** The scope of a live in-process token, or undefined for any other bearer token. */
  scopeOf(token: string): CallerScope | undefined {
    return token.startsWith('inproc_') ? this.live.get(token) : undefined;
  }

  async with<T>(scope: CallerScope, call: (token: string) => Promise<T>): Promise<T> {
    const token = `inproc_${randomBytes(32).toString('base64url')}`;
    this.live.set(token, scope);
    try {
      return await call(token);
    } finally {
      this.live.delete(token);
    }
  }
}

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body; for a binary answer (a PDF), `raw` holds it. */
  body: unknown;
  raw: Buffer;
  headers: OutgoingHttpHeaders;
}

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  method: ApiMethod;
  /** Path with query, e.g. `/v1/invoices?customer_id=cus_…`. */
  path: string;
  body?: unknown;
  /** Joins the API's log lines to the page request that caused them. */
  requestId?: string;
  idempotencyKey?: string;
}

/** A function that sends one request to the API as the given caller. */
export type InProcessApi = (scope: CallerScope, request: ApiRequest) => Promise<ApiAnswer>;

export function inProcessApi(dispatch: () => DispatchFunc, callers: InProcessCallers): InProcessApi {
  return (scope, request) =>
    callers.with(scope, async (token) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.requestId) headers['x-request-id'] = request.requestId;
      if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
      const response = await inject(dispatch(), {
        method: request.method,
        url: request.path,
        headers,
        ...(request.body === undefined ? {} : { payload: JSON.stringify(request.body) }),
      });
      const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
      return {
        status: response.statusCode,
        body: isJson ? (JSON.parse(response.payload) as unknown) : null,
        raw: response.rawPayload,
        headers: response.headers,
      };
    });
}
