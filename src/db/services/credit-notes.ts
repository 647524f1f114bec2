import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CreditNote, DomainEvent, Invoice, type CreditNoteOutcome } from '../entities';
import { issueCreditNote } from './credit-note-documents';
import { adjustCustomerBalance } from './credit';
import { StoreError } from './errors';
import { appendDomainEvent } from './events';

export type CreditNoteInput = {
  invoiceId: string;
  amount: number;
  reason: string;
  outcome: CreditNoteOutcome;
  idempotencyKey: string;
  /** Business time of the event it records (a test clock's time); now when omitted. */
  at?: string;
};

export const creditNoteCreatedEventKey = (creditNoteId: string): string =>
  `credit_note:${creditNoteId}:created`;

/**
 * Corrects a paid invoice without touching it. An open invoice is voided and reissued instead, so that its amount
 * due never changes after finalization. The credited amounts of one invoice never exceed its total; a
 * `credit_balance` outcome books the credit in the same transaction, a `refund` outcome is followed by
 * `recordRefund` once the gateway confirms. The note's `credit_note.created` event is appended in the same
 * transaction (`event`: null only for a note made before notes had events).
 */
export async function createCreditNote(
  em: EntityManager,
  input: CreditNoteInput,
): Promise<{ creditNote: CreditNote; created: boolean; event: DomainEvent | null }> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    throw new StoreError(
      'invalid_input',
      `Credit note amount must be a positive integer, got ${input.amount}`,
    );
  }
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, input.invoiceId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!invoice) throw new StoreError('not_found', `Invoice ${input.invoiceId} does not exist`);
    const existing = await tx.findOne(CreditNote, { idempotencyKey: input.idempotencyKey });
    if (existing) {
      if (existing.invoice.id !== invoice.id || existing.amount !== input.amount) {
        throw new StoreError(
          'idempotency_conflict',
          `Credit note key ${input.idempotencyKey} was used for another credit note`,
        );
      }
      const event = await tx.findOne(DomainEvent, { key: creditNoteCreatedEventKey(existing.id) });
      return { creditNote: existing, created: false, event };
    }
    if (invoice.status !== 'paid') {
      throw new StoreError(
        'invoice_not_paid',
        `Invoice ${invoice.id} is ${invoice.status}; only a paid invoice is credited (void an open one instead)`,
        'invoice_id',
      );
    }
    const notes = await tx.find(CreditNote, { invoice });
    const credited = notes.reduce((acc, note) => acc + note.amount, 0);
    if (credited + input.amount > invoice.total) {
      throw new StoreError(
        'amount_exceeds_remaining',
        `Invoice ${invoice.id} totals ${invoice.total}, ${credited} already credited, ${input.amount} requested`,
      );
    }
    // The document: its number, and lines with the invoice's VAT split.
    const creditNote = await issueCreditNote(tx, {
      invoice,
      amount: input.amount,
      reason: input.reason,
      outcome: input.outcome,
      idempotencyKey: input.idempotencyKey,
      ...(input.at === undefined ? {} : { at: input.at }),
    });
    if (input.outcome === 'credit_balance') {
      await adjustCustomerBalance(tx, {
        customerId: invoice.customer.id,
        amount: input.amount,
        currency: invoice.currency,
        sourceKey: `credit_note:${creditNote.id}`,
        description: `Credit note ${creditNote.number} for invoice ${invoice.number ?? invoice.id}`,
      });
    }
    const { event } = await appendDomainEvent(tx, {
      key: creditNoteCreatedEventKey(creditNote.id),
      type: 'credit_note.created',
      ...(invoice.subscription ? { subscriptionId: invoice.subscription.id } : {}),
      customerId: invoice.customer.id,
      data: {
        creditNoteId: creditNote.id,
        number: creditNote.number,
        invoiceId: invoice.id,
        amount: creditNote.amount,
        currency: creditNote.currency,
        reason: creditNote.reason,
        outcome: creditNote.outcome,
      },
      occurredAt: input.at ?? new Date().toISOString(),
    });
    return { creditNote, created: true, event };
  });
}
