import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys, searchAttributeTypeName } from '../workflows/search-attributes';

const indexedValueType = {
  Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};

/**
 * Registers the custom search attributes on a namespace. The dev server takes them as start flags; the time-skipping
 * test server, like a real cluster, knows none until they are registered.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      searchAttributeKeys.map((key) => [key.name, indexedValueType[searchAttributeTypeName(key.type)]]),
    ),
  });
}

/**
 * Registers only the attributes the namespace does not have yet: a Temporal server on SQL refuses to add one twice,
 * and a restart of `npm start` finds them registered. Answers the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeKeys.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, indexedValueType[searchAttributeTypeName(key.type)]]),
    ),
  });
  return missing.map((key) => key.name);
}

/** A visibility query that names every custom attribute: it is accepted only once the namespace knows all of them. */
export function searchAttributesProbeQuery(): string {
  const probe = { Keyword: "'probe'", Datetime: "'2000-01-01T00:00:00Z'", Int: '0', Bool: 'false' };
  return searchAttributeKeys
    .map((key) => `${key.name} = ${probe[searchAttributeTypeName(key.type)]}`)
    .join(' AND ');
}
