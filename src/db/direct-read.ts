import type { QueryResultRow } from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from './orm.config';

/** The part of a `pg` client that a read needs. */
interface PgQueryable {
  query<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** The pool of the ORM's knex client (tarn), typed by what a read uses of it. */
interface KnexPool {
  acquireConnection(): Promise<PgQueryable>;
  releaseConnection(connection: PgQueryable): Promise<void>;
}

/**
 * Rows of one read-only statement (`$1`-style parameters) on a connection of the ORM's own pool, sent straight to
 * `pg`: the hot API reads skip MikroORM's and knex's query path (formatting, logging, result mapping), which a
 * profile of `GET /v1/subscriptions/:id` under load put at a fifth of the request's CPU. Values come back as `pg`
 * parses them (jsonb as objects, bigint and numeric as text): cast in SQL what the caller needs. Outside any
 * transaction only: it takes a connection of its own, so inside `em.transactional` it would neither see the
 * transaction's writes nor leave its connection free for it.
 */
export async function readRows<R extends QueryResultRow>(
  orm: Orm,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  return rowsOn<R>(orm.em.getConnection().getKnex().client as KnexPool, text, values);
}

async function rowsOn<R extends QueryResultRow>(
  pool: KnexPool,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  const connection = await pool.acquireConnection();
  try {
    return (await connection.query<R>(text, values)).rows;
  } finally {
    await pool.releaseConnection(connection);
  }
}

/** What a knex transaction exposes of its client: the transaction's own connection, handed out without a pool. */
interface KnexTransaction {
  client: KnexPool;
}

/**
 * Rows of one statement sent straight to `pg` on the connection `em` works on: inside `em.transactional`, the
 * transaction's connection (so the statement sees and joins its writes); outside, one of the pool's. For the hot
 * paths of activities, where MikroORM's query building and hydration cost more CPU than the statement itself. The
 * identity map knows nothing of it: flush pending entity changes first when the statement must see them, and do not
 * write a row this way that the same context holds as an entity.
 */
export async function sqlRows<R extends QueryResultRow>(
  em: EntityManager,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  const transaction = em.getTransactionContext<KnexTransaction>();
  return rowsOn<R>(
    transaction ? transaction.client : (em.getConnection().getKnex().client as KnexPool),
    text,
    values,
  );
}
