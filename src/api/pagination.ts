import { Utils, type EntityName, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from './errors';
import type { ListQuery } from './schemas/common';

export interface Page<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/**
 * Cursor pagination over `(created_at, id)`, oldest first (newest first for lists that offer `order=desc`). The
 * cursor is the id of the last object seen; the comparison happens in SQL against that row's stored timestamp, so
 * no precision is lost on the way through JavaScript and rows created in the same millisecond are neither skipped
 * nor repeated.
 */
export async function paginate<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  query: ListQuery & { order?: 'asc' | 'desc' },
  /** The creation timestamp that orders the list (the audit log's is `recorded_at`). */
  time: { property: string; column: string } = { property: 'createdAt', column: 'created_at' },
): Promise<Page<T>> {
  const { qb } = await pageQuery(em, entity, where, query, time);
  return pageOf(await qb.getResultList(), query.limit);
}

/** A cursor that names no object of the list as filtered. */
export const invalidCursor = (id: string) =>
  new AppError(
    'invalid_request_error',
    'invalid_cursor',
    `starting_after: no object ${id} in this list`,
    'starting_after',
  );

async function pageQuery<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  query: ListQuery & { order?: 'asc' | 'desc' },
  time: { property: string; column: string },
) {
  const direction = query.order ?? 'asc';
  const qb = em.createQueryBuilder(entity, 'e').where(where);
  if (query.starting_after !== undefined) {
    const cursorExists = await em
      .createQueryBuilder(entity, 'e')
      .where(where)
      .andWhere({ id: query.starting_after } as FilterQuery<T>)
      .getCount();
    if (cursorExists === 0) throw invalidCursor(query.starting_after);
    const table = em.getMetadata().get<T>(Utils.className(entity)).tableName;
    qb.andWhere(
      `(e.${time.column}, e.id) ${direction === 'asc' ? '>' : '<'} (select c.${time.column}, c.id from "${table}" c where c.id = ?)`,
      [query.starting_after],
    );
  }
  // Wrapped: a query builder is thenable, and an async function would run it on return.
  return {
    qb: qb.orderBy({ [time.property]: direction, id: direction } as QueryOrderMap<T>).limit(query.limit + 1),
  };
}

export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items, hasMore, nextCursor: hasMore ? (items[items.length - 1]?.id ?? null) : null };
}

/** The list envelope every list endpoint answers with. */
export function listBody<T, R>(page: Page<T>, serialize: (item: T) => R) {
  return {
    object: 'list' as const,
    data: page.items.map(serialize),
    has_more: page.hasMore,
    next_cursor: page.nextCursor,
  };
}
