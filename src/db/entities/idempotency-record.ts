import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn, timestamptz } from './columns';

/**
 * An API request's `Idempotency-Key`, per API key (`scope`). The request hash detects a key reused for a
 * different request; the stored response is replayed for the same one until `expiresAt`.
 */
export class IdempotencyRecord {
  [OptionalProps]?: 'id' | 'createdAt';
  id!: string;
  scope!: string;
  key!: string;
  requestMethod!: string;
  requestPath!: string;
  requestHash!: string;
  /** Null while the first request is still running. */
  responseStatus?: number | null;
  responseBody?: unknown;
  createdAt: Date = new Date();
  expiresAt!: Date;
}

export const IdempotencyRecordSchema = new EntitySchema<IdempotencyRecord>({
  class: IdempotencyRecord,
  tableName: 'idempotency_records',
  uniques: [{ properties: ['scope', 'key'], name: 'idempotency_records_scope_key_unique' }],
  indexes: [{ properties: ['expiresAt'], name: 'idempotency_records_expires_at_index' }],
  checks: [
    {
      name: 'idempotency_records_status_check',
      expression: 'response_status is null or response_status >= 100 and response_status <= 599',
    },
    { name: 'idempotency_records_expiry_check', expression: 'expires_at > created_at' },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    scope: { type: 'text' },
    key: { type: 'text' },
    requestMethod: { type: 'text' },
    requestPath: { type: 'text' },
    requestHash: { type: 'text' },
    responseStatus: { type: 'integer', nullable: true },
    responseBody: { type: 'json', nullable: true },
    createdAt: createdAtColumn,
    expiresAt: timestamptz,
  },
});
