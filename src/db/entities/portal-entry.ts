import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { createdAtColumn, timestamptz } from './columns';

export const PORTAL_ENTRY_KINDS = ['session_url', 'email_link'] as const;
export type PortalEntryKind = (typeof PORTAL_ENTRY_KINDS)[number];

/**
 * A single-use way into the portal. A portal session's `url` is created here unused (`usedAt` null) and used once;
 * a signed email link is verified by its signature and recorded here when it is used, so its `hash` (of the link's
 * id) being unique is what refuses the second use.
 */
export class PortalEntry {
  [OptionalProps]?: 'id' | 'createdAt';
  id!: string;
  kind!: PortalEntryKind;
  hash!: string;
  customerId!: string;
  returnUrl?: string | null;
  expiresAt!: Date;
  usedAt?: Date | null;
  createdAt: Date = new Date();
}

export const PortalEntrySchema = new EntitySchema<PortalEntry>({
  class: PortalEntry,
  tableName: 'portal_entries',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    kind: { type: 'text', enum: true, items: [...PORTAL_ENTRY_KINDS] },
    hash: { type: 'text', unique: 'portal_entries_hash_unique' },
    customerId: { type: 'text' },
    returnUrl: { type: 'text', nullable: true },
    expiresAt: timestamptz,
    usedAt: { ...timestamptz, nullable: true },
    createdAt: createdAtColumn,
  },
});
