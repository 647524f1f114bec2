import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { CallerScope } from './caller-scope';

/**
 * The portal and the console act through the JSON API's own routes: every call runs the same middleware
 * (authentication, portal scope, idempotency), the same zod schemas and the same handlers as a request from outside,
 * so a page can never validate or behave differently from the API. The call goes to the very server that received
 * the page's request, over its own connection's local address, and carries a bearer token minted for that call
 * alone and forgotten when it returns; the token never leaves this process's memory and loopback connection.
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

/** Where this server was reached: the local end of the page request's connection. */
export interface ServerAddress {
  host: string;
  port: number;
}

export interface ApiRequest {
  method: ApiMethod;
  /** Path with query, e.g. `/v1/invoices?customer_id=cus_…`. */
  path: string;
  body?: unknown;
  via: ServerAddress;
  /** Joins the API's log lines to the page request that caused them. */
  requestId?: string;
  idempotencyKey?: string;
}

/** A function that sends one request to the API as the given caller. */
export type InProcessApi = (scope: CallerScope, request: ApiRequest) => Promise<ApiAnswer>;

const CALL_TIMEOUT_MS = 60_000;

export function inProcessApi(callers: InProcessCallers): InProcessApi {
  return (scope, request) =>
    callers.with(
      scope,
      (token) =>
        new Promise<ApiAnswer>((resolve, reject) => {
          const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
          const headers: OutgoingHttpHeaders = { authorization: `Bearer ${token}` };
          if (payload) {
            headers['content-type'] = 'application/json';
            headers['content-length'] = payload.length;
          }
          if (request.requestId) headers['x-request-id'] = request.requestId;
          if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
          const outgoing = httpRequest(
            {
              host: request.via.host,
              port: request.via.port,
              method: request.method,
              path: request.path,
              headers,
              // One connection per call: nothing lingers to hold the server open at shutdown.
              agent: false,
              timeout: CALL_TIMEOUT_MS,
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('error', reject);
              response.on('end', () => {
                const raw = Buffer.concat(chunks);
                const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
                try {
                  resolve({
                    status: response.statusCode ?? 500,
                    body: isJson ? (JSON.parse(raw.toString('utf8')) as unknown) : null,
                    raw,
                    headers: response.headers,
                  });
                } catch (error) {
                  reject(error);
                }
              });
            },
          );
          outgoing.on('timeout', () =>
            outgoing.destroy(new Error(`${request.method} ${request.path} timed out`)),
          );
          outgoing.on('error', reject);
          outgoing.end(payload);
        }),
    );
}

/** The local address of the connection a request came in on: this server, as reachable from itself. */
export function serverAddressOf(socket: { localAddress?: string; localPort?: number }): ServerAddress {
  const address = socket.localAddress ?? '127.0.0.1';
  const host = address.startsWith('::ffff:') ? address.slice(7) : address;
  return { host, port: socket.localPort ?? 0 };
}
