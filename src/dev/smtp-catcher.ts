import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface CapturedMessage {
  id: number;
  receivedAt: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  subject: string | null;
  text: string | null;
  html: string | null;
  attachments: { filename: string | null; mimeType: string; size: number }[];
  raw: string;
}

export interface SmtpCatcher {
  smtpUrl: string;
  httpUrl: string;
  /** The messages kept: all of them, or the newest `keep`. */
  messages(): readonly CapturedMessage[];
  /**
   * Resolves once at least `count` messages have arrived since the start (or the last `DELETE /messages`), so tests
   * wait on mail instead of sleeping; it answers the messages kept.
   */
  waitForMessages(count: number, timeoutMs?: number): Promise<readonly CapturedMessage[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server for development and tests: it speaks SMTP on a local port (nodemailer talks to it exactly as
 * to a production relay) and keeps what it receives in memory, readable as JSON over HTTP. `keep` bounds that memory
 * for a long-running `npm start`: the newest `keep` messages stay, older ones are dropped (ids go on counting).
 * Unbounded when omitted, as tests want it.
 */
export async function startSmtpCatcher(
  options: { smtpPort?: number; httpPort?: number; host?: string; keep?: number } = {},
) {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? Infinity;
  if (!(keep >= 1)) throw new Error(`keep must be at least 1, got ${keep}`);
  const captured: CapturedMessage[] = [];
  let received = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Senders keep pooled connections open; closing the catcher ends them after a second instead of 30.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        PostalMime.parse(raw)
          .then((email) => {
            captured.push({
              id: nextId++,
              receivedAt: new Date().toISOString(),
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              subject: email.subject ?? null,
              text: email.text ?? null,
              html: email.html ?? null,
              attachments: email.attachments.map((a) => ({
                filename: a.filename,
                mimeType: a.mimeType,
                size: typeof a.content === 'string' ? a.content.length : a.content.byteLength,
              })),
              raw,
            });
            received++;
            if (captured.length > keep) captured.splice(0, captured.length - keep);
            for (const waiter of waiters.filter((w) => received >= w.count)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => {
      smtp.off('error', reject);
      resolve();
    });
  });
  // smtp-server re-emits each connection's socket errors on the server. A client that dies mid-session (a killed
  // worker) resets its socket, and without a listener that error would crash the process hosting the catcher.
  smtp.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') console.error('smtp catcher:', error);
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const api = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://catcher');
    if (req.method === 'DELETE' && url.pathname === '/messages') {
      captured.length = 0;
      received = 0;
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/messages') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: captured.map(({ raw: _raw, ...rest }) => rest) }));
      return;
    }
    const rawMatch = /^\/messages\/(\d+)\/raw$/.exec(url.pathname);
    const message = rawMatch ? captured.find((m) => m.id === Number(rawMatch[1])) : undefined;
    if (req.method === 'GET' && message) {
      res.writeHead(200, { 'content-type': 'message/rfc822' });
      res.end(message.raw);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'not_found', code: 'not_found', message: 'No such resource' } }));
  });
  await new Promise<void>((resolve, reject) => {
    api.once('error', reject);
    api.listen(options.httpPort ?? 0, host, () => resolve());
  });
  const httpPort = (api.address() as AddressInfo).port;

  const catcher: SmtpCatcher = {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    messages: () => captured,
    waitForMessages(count, timeoutMs = 30000) {
      if (received >= count) return Promise.resolve(captured);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} messages, got ${received}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(captured);
          },
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => api.close(() => resolve()));
    },
  };
  return catcher;
}
