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
