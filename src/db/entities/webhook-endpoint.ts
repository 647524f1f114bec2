import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

/**
 * A receiver of outbound webhooks. The signing secret is stored as is because HMAC signing needs it, unlike
 * API keys, which only need to be recognised and are stored hashed.
 */
export class WebhookEndpoint {
  [OptionalProps]?: 'id' | 'eventTypes' | 'enabled' | 'createdAt';
  id: string = newId('we');
  url!: string;
  secret!: string;
  /** Event types delivered to this endpoint; `['*']` for all. */
  eventTypes: string[] = ['*'];
  enabled: boolean = true;
  createdAt: Date = new Date();
  disabledAt?: Date | null;
}

export const WebhookEndpointSchema = new EntitySchema<WebhookEndpoint>({
  class: WebhookEndpoint,
  tableName: 'webhook_endpoints',
  checks: [
    { name: 'webhook_endpoints_url_check', expression: `url ~ '^https?://'` },
    { name: 'webhook_endpoints_enabled_check', expression: 'enabled = (disabled_at is null)' },
  ],
  properties: {
    id: { type: 'text', primary: true },
    url: { type: 'text' },
    secret: { type: 'text' },
    eventTypes: { type: 'json', defaultRaw: `'["*"]'` },
    enabled: { type: 'boolean', default: true },
    createdAt: createdAtColumn,
    disabledAt: { ...timestamptz, nullable: true },
  },
});
