import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { isDatabaseUnavailable } from '../../../src/db/unavailable';
import { GatewayError } from '../../../src/gateways/errors';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** node-postgres' own class name for errors the server sends; the classifier knows it by that name. */
class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

describe('isDatabaseUnavailable', () => {
  test.each([
    [
      'a refused connection wrapped by MikroORM',
      new DriverException(withCode('connect ECONNREFUSED', 'ECONNREFUSED')),
    ],
    [
      'a refused connection straight from knex',
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    ],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    [
      'the server shutting down',
      new DatabaseError('terminating connection due to administrator command', '57P01'),
    ],
    ['the server starting up', new DatabaseError('the database system is starting up', '57P03')],
    ['a connection exception', new DriverException(withCode('connection failure', '08006'))],
    ['a full connection table', new DatabaseError('sorry, too many clients already', '53300')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['the client-side query timeout', new Error('Query read timeout')],
    [
      'a pool wait that ran out',
      Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' }),
    ],
    [
      'an outage given as the cause',
      new Error('flush failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ],
  ])('%s is an outage', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  test.each([
    ['a unique violation', new UniqueConstraintViolationException(withCode('duplicate key', '23505'))],
    ['a syntax error from the server', new DatabaseError('syntax error at or near "selec"', '42601')],
    [
      'a statement with a NUL byte, refused as a protocol violation',
      new DriverException(withCode('select … - invalid message format', '08P01')),
    ],
    [
      'a statement cancelled by statement_timeout',
      new DatabaseError('canceling statement due to statement timeout', '57014'),
    ],
    ['a programming error', new TypeError('Cannot read properties of undefined')],
    ['a non-error value', 'ECONNREFUSED'],
    ['an SQLSTATE-looking code on an unrelated error', withCode('gateway said no', '08001')],
    [
      "a payment gateway's refused connection",
      new GatewayError('processing_error', 'gateway unreachable', {
        cause: withCode('connect ECONNREFUSED 10.0.0.1:443', 'ECONNREFUSED'),
      }),
    ],
  ])('%s is not', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
