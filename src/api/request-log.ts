import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logging';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** What a request line says: no headers, no query string (it can carry an email address), no body. */
interface RequestSummary {
  method: string;
  path: string;
  status: number;
  ms: number;
}

function summary(req: IncomingMessage, res: ServerResponse, ms: number): RequestSummary {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return { method: req.method ?? '', path: url.split('?')[0] ?? '', status: res.statusCode, ms };
}

const line = ({ method, path, status, ms }: RequestSummary) => `${method} ${path} ${status} ${ms} ms`;

/**
 * One log entry per request once it is answered: `GET /v1/invoices 200 4 ms`, with the same fields under `request`
 * and the request id as `reqId` in JSON. Logs written while handling a request (`req.log`) carry that id alone.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    // A caller's own request id is kept so its logs and ours can be joined; anything else gets a fresh one.
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
      res.setHeader('Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, values: { responseTime: number }) => ({
      request: summary(req, res, values.responseTime),
    }),
    // The error itself was logged by the error handler, with its stack; this line only records the answer.
    customErrorObject: (req, res, _error, values: { responseTime: number }) => ({
      request: summary(req, res, values.responseTime),
    }),
    customSuccessMessage: (req, res, ms) => line(summary(req, res, ms)),
    customErrorMessage: (req, res, _error, ms?: number) => line(summary(req, res, ms ?? 0)),
  });
}
