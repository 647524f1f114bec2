import { EntitySchema, OptionalProps } from '@mikro-orm/core';

export type EmailStatus = 'pending' | 'sent' | 'failed';

/**
 * Outbox record of an email: written before sending, unique per cause, so a retried step finds the earlier attempt
 * instead of sending again. Rows with a `payload` are written by a committed transition and sent by the outbox
 * relay (`src/mail/outbox-relay.ts`), which leases them while sending.
 */
export class EmailMessage {
  [OptionalProps]?: 'id' | 'status' | 'attempts' | 'createdAt';
  id!: string;
  causeKey!: string;
  kind!: string;
  recipient!: string;
  subject!: string;
  status: EmailStatus = 'pending';
  messageId!: string;
  smtpResponse?: string | null;
  sentAt?: Date | null;
  subscriptionId?: string | null;
  /** What the relay renders the email from. */
  payload?: Record<string, unknown> | null;
  attempts: number = 0;
  leaseUntil?: Date | null;
  lastError?: string | null;
  createdAt: Date = new Date();
}

export const EmailMessageSchema = new EntitySchema<EmailMessage>({
  class: EmailMessage,
  tableName: 'email_messages',
  indexes: [{ properties: ['status', 'createdAt'], name: 'email_messages_status_created_index' }],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    causeKey: { type: 'text', unique: 'email_messages_cause_key_unique' },
    kind: { type: 'text' },
    recipient: { type: 'text' },
    subject: { type: 'text' },
    status: { type: 'text', default: 'pending' },
    messageId: { type: 'text' },
    smtpResponse: { type: 'text', nullable: true },
    sentAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    subscriptionId: { type: 'text', nullable: true },
    payload: { type: 'json', nullable: true },
    attempts: { type: 'integer', default: 0 },
    leaseUntil: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    lastError: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
