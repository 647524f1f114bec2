import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CreditNote, Invoice, type CreditNoteOutcome } from '../entities';
import { issueCreditNote } from './credit-note-documents';
import { adjustCustomerBalance } from './credit';
import { StoreError } from './errors';

export type CreditNoteInput = {
  invoiceId: string;
  amount: number;
  reason: string;
  outcome: CreditNoteOutcome;
  idempotencyKey: string;
};

/**
 * Corrects a paid invoice without touching it. An open invoice is voided and reissued instead, so that its amount
 * due never changes after finalization. The credited amounts of one invoice never exceed its total; a
 * `credit_balance` outcome books the credit in the same transaction, a `refund` outcome is followed by
 * `recordRefund` once the gateway confirms.
 */
export async function createCreditNote(
  em: EntityManager,
  input: CreditNoteInput,
): Promise<{ creditNote: CreditNote; created: boolean }> {
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
      return { creditNote: existing, created: false };
    }
    if (invoice.status !== 'paid') {
      throw new StoreError(
        'invalid_state',
        `Invoice ${invoice.id} is ${invoice.status}; only a paid invoice is credited`,
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
    return { creditNote, created: true };
  });
}
