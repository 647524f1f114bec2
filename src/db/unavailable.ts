import { DriverException } from '@mikro-orm/core';

/** Socket-level failures: the server is not there, or went away in the middle of a conversation. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say "the server cannot serve you right now" rather than "your statement is wrong": class 08
 * (connection exception), the shutdown and start-up states of class 57, and a full connection table. Except
 * 08P01, protocol violation: PostgreSQL answers it to a statement whose text holds a NUL byte ("invalid message
 * format"), which no retry can cure.
 */
function isUnavailableSqlState(code: string): boolean {
  if (code === '08P01') return false;
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

/**
 * node-postgres reports a dropped connection and its own client-side timeouts without any code; these messages are
 * its fixed wording (pg/lib/client.js), not text a query could produce.
 */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|Query read timeout|timeout expired|Client has encountered a connection error/;

/** Wrappers of the other outside services (payment gateways, Temporal); named, so db code imports neither. */
const OTHER_SERVICES_ERRORS = new Set(['GatewayError', 'ServiceError']);

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when an error means PostgreSQL cannot be reached (down, restarting, unreachable, or slower than the bounded
 * connect and query waits), so a caller should retry later: the request itself was not at fault.
 *
 * knex lets socket errors through unwrapped from transactions and query builders, so network codes count on any
 * error; the other outside services wrap theirs (Temporal in a ServiceError, the gateways in a GatewayError).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    // A socket error inside another service's wrapper is that service's outage, not the database's.
    if (OTHER_SERVICES_ERRORS.has(current.constructor.name)) return false;
    // knex gives up waiting for a pooled connection with this error, raised before the driver is involved.
    if (current.name === 'KnexTimeoutError') return true;
    const code = codeOf(current);
    if (code && NETWORK_CODES.has(code)) return true;
    const fromServer = current instanceof DriverException || current.constructor.name === 'DatabaseError';
    if (fromServer && code && isUnavailableSqlState(code)) return true;
    if (PG_CONNECTION_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
