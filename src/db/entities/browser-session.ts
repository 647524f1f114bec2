import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn, timestamptz } from './columns';
import { ConsoleUser } from './console-user';

export const BROWSER_SESSION_SURFACES = ['portal', 'console'] as const;
export type BrowserSessionSurface = (typeof BROWSER_SESSION_SURFACES)[number];

/**
 * A signed-in browser: a customer in the portal (`customerId`) or an operator in the console (`user`). The cookie
 * holds a random token of which only the SHA-256 hash is stored here; `csrfToken` is the synchronizer token every
 * form of that session must send back.
 */
export class BrowserSession {
  [OptionalProps]?: 'id' | 'createdAt';
  id!: string;
  surface!: BrowserSessionSurface;
  tokenHash!: string;
  csrfToken!: string;
  customerId?: string | null;
  user?: ConsoleUser | null;
  /** Portal only: where "back to the seller" leads (from the portal session the seller created). */
  returnUrl?: string | null;
  expiresAt!: Date;
  createdAt: Date = new Date();
  revokedAt?: Date | null;
}

export const BrowserSessionSchema = new EntitySchema<BrowserSession>({
  class: BrowserSession,
  tableName: 'browser_sessions',
  checks: [
    {
      name: 'browser_sessions_owner_check',
      expression: `(surface = 'portal' and customer_id is not null and user_id is null) or (surface = 'console' and user_id is not null and customer_id is null)`,
    },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    surface: { type: 'text', enum: true, items: [...BROWSER_SESSION_SURFACES] },
    tokenHash: { type: 'text', unique: 'browser_sessions_token_hash_unique' },
    csrfToken: { type: 'text' },
    customerId: { type: 'text', nullable: true },
    user: { kind: 'm:1', entity: () => ConsoleUser, nullable: true, deleteRule: 'cascade' },
    returnUrl: { type: 'text', nullable: true },
    expiresAt: timestamptz,
    createdAt: createdAtColumn,
    revokedAt: { ...timestamptz, nullable: true },
  },
});
