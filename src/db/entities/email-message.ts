import { EntitySchema, OptionalProps } from '@mikro-orm/core';

export type EmailStatus = 'pending' | 'sent';

/**
 * Outbox record of an email: written before sending, unique per cause, so a retried activity finds the earlier
 * attempt instead of sending again.
 */
export class EmailMessage {
  [OptionalProps]?: 'id' | 'status' | 'createdAt';
  id!: string;
  causeKey!: string;
  kind!: string;
  recipient!: string;
  subject!: string;
  status: EmailStatus = 'pending';
  messageId!: string;
  smtpResponse?: string | null;
  sentAt?: Date | null;
  createdAt: Date = new Date();
}

export const EmailMessageSchema = new EntitySchema<EmailMessage>({
  class: EmailMessage,
  tableName: 'email_messages',
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
    createdAt: { type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
