import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Invoice } from '../entities';
import { StoreError } from './errors';

/**
 * Closes an open invoice as void (never to be paid) or uncollectible (dunning gave up). Idempotent: closing it the
 * same way again is a no-op, so a retried activity succeeds; any other state is refused, because a paid or otherwise
 * closed invoice is immutable.
 */
export async function closeInvoice(
  em: EntityManager,
  invoiceId: string,
  target: 'void' | 'uncollectible',
  at: Date = new Date(),
): Promise<Invoice> {
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, invoiceId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!invoice) throw new StoreError('not_found', `Invoice ${invoiceId} does not exist`);
    if (invoice.status === target) return invoice;
    if (invoice.status !== 'open') {
      throw new StoreError(
        'invalid_state',
        `Invoice ${invoiceId} is ${invoice.status}; only an open invoice can be closed`,
      );
    }
    invoice.status = target;
    if (target === 'void') invoice.voidedAt = at;
    else invoice.markedUncollectibleAt = at;
    return invoice;
  });
}

/**
 * Takes back `amount` of what an invoice was paid, because the card issuer did (a lost dispute). The one way out of
 * `paid`: an invoice no longer paid in full is `open` again, owing the amount taken, so that it can be collected
 * anew. Runs inside the caller's transaction, on an invoice it has locked.
 */
export function reverseInvoicePayment(invoice: Invoice, amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new StoreError('invalid_input', `A reversed amount must be a positive integer, got ${amount}`);
  }
  if (amount > invoice.amountPaid - invoice.amountRefunded) {
    throw new StoreError(
      'amount_exceeds_remaining',
      `Invoice ${invoice.id} kept ${invoice.amountPaid - invoice.amountRefunded} of its payments; ${amount} cannot be taken back`,
    );
  }
  invoice.amountPaid -= amount;
  if (invoice.status === 'paid' && invoice.amountPaid < invoice.amountDue) {
    invoice.status = 'open';
    invoice.paidAt = null;
  }
}
