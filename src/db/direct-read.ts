import type { QueryResultRow } from 'pg';
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
  const pool = orm.em.getConnection().getKnex().client as KnexPool;
  const connection = await pool.acquireConnection();
  try {
    return (await connection.query<R>(text, values)).rows;
  } finally {
    await pool.releaseConnection(connection);
  }
}
