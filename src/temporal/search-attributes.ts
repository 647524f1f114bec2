import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys, searchAttributeTypeName } from '../workflows/search-attributes';

/**
 * Registers the custom search attributes on a namespace. The dev server takes them as start flags; the time-skipping
 * test server, like a real cluster, knows none until they are registered.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      searchAttributeKeys.map((key) => [
        key.name,
        {
          Datetime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
          Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
          Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
          Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        }[searchAttributeTypeName(key.type)],
      ]),
    ),
  });
}
