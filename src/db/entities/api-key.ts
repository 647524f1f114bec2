import { EntitySchema, OptionalProps } from '@mikro-orm/core';

/**
 * Secret API keys are stored as SHA-256 hashes; the secret itself is shown once, at creation. A portal session is a
 * short-lived key scoped to one customer (`customerId` and `expiresAt` set).
 */
export class ApiKey {
  [OptionalProps]?: 'id' | 'createdAt';
  id!: string;
  name!: string;
  prefix!: string;
  hash!: string;
  createdAt: Date = new Date();
  revokedAt?: Date | null;
  customerId?: string | null;
  expiresAt?: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  class: ApiKey,
  tableName: 'api_keys',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    name: { type: 'text' },
    prefix: { type: 'text' },
    hash: { type: 'text', unique: 'api_keys_hash_unique' },
    createdAt: { type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' },
    revokedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    customerId: { type: 'text', nullable: true },
    expiresAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
