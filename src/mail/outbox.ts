import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { Customer, type Invoice } from '../db/entities';
import { sqlRows } from '../db/direct-read';

/** The channel a commit notifies when it wrote outbox rows, so the relay sends at once instead of at its next poll. */
export const OUTBOX_CHANNEL = 'perennial_outbox';

/** The same Message-ID for every send of one cause, so a receiving server can drop a crash's duplicate. */
export function stableMessageId(causeKey: string): string {
  return `<${createHash('sha256').update(causeKey).digest('hex').slice(0, 32)}@perennial>`;
}

/**
 * Leaves an email in the outbox for the relay, once per cause (a repeated cause is ignored), inside the caller's
 * transaction: the email exists exactly when what caused it was committed. `payload` is what the relay renders it
 * from; the notification wakes the relay at commit instead of at its next poll.
 */
export async function queueEmail(
  em: EntityManager,
  email: {
    cause: string;
    kind: string;
    recipient: string;
    payload: Record<string, unknown>;
    subscriptionId?: string;
    createdAt?: Date;
  },
): Promise<void> {
  // One statement for the row and the notification: PostgreSQL delivers it at commit, and only if the transaction
  // commits.
  await sqlRows(
    em,
    `with queued as (
       insert into email_messages (cause_key, kind, recipient, subject, message_id, status, subscription_id, payload,
         created_at)
       values ($1, $2, $3, $2, $4, 'pending', $5, $6::jsonb, $7)
       on conflict (cause_key) do nothing)
     select pg_notify($8, '')`,
    [
      email.cause,
      email.kind,
      email.recipient,
      stableMessageId(email.cause),
      email.subscriptionId ?? null,
      JSON.stringify(email.payload),
      email.createdAt ?? new Date(),
      OUTBOX_CHANNEL,
    ],
  );
}

/** The cause of an invoice's receipt: one receipt per invoice, however often it is asked for. */
export const invoiceReceiptCause = (invoiceId: string): string => `${invoiceId}:receipt`;

/**
 * Queues the receipt of a paid invoice that no subscription workflow sends one for (a one-off invoice, `billing_reason`
 * `manual`); an invoice of a subscription, or one not paid, queues nothing, since its workflow owns its mail.
 */
export async function queueInvoiceReceipt(em: EntityManager, invoice: Invoice): Promise<boolean> {
  if (invoice.subscription || invoice.status !== 'paid') return false;
  const customer = await em.findOneOrFail(Customer, invoice.customer.id);
  const cause = invoiceReceiptCause(invoice.id);
  await queueEmail(em, {
    cause,
    kind: 'receipt',
    recipient: customer.email,
    payload: { kind: 'invoice_receipt', cause, invoiceId: invoice.id },
  });
  return true;
}
