import type { EntityManager } from '@mikro-orm/postgresql';
import { CustomerBalanceTransaction, Invoice } from '../db/entities';
import { adjustCustomerBalance } from '../db/services';
import { money } from '../domain/money';
import { unusedCredit } from '../domain/proration';
import type { UnusedPeriodRequest } from './lifecycle.contract';

/**
 * The paid invoice of the request's period and the part of its total (tax included) that the seconds from `at` to
 * the period's end make up; null when the period was not paid or nothing of it is left.
 */
export async function unusedPartOfPeriod(
  em: EntityManager,
  request: UnusedPeriodRequest,
): Promise<{ invoice: Invoice; unused: number } | null> {
  const invoice = await em.findOne(Invoice, {
    subscription: request.subscriptionId,
    periodIndex: request.periodIndex,
    status: 'paid',
  });
  if (!invoice) return null;
  const unused = -unusedCredit(
    money(invoice.total, invoice.currency),
    request.period.start,
    request.period.end,
    request.at,
  ).amount;
  return unused > 0 ? { invoice, unused } : null;
}

/**
 * Credits the unused part of a paid period to the customer's balance, once per cause key. A credit already made for
 * the key stands whatever its amount: a commit retried after its workflow task was lost runs at a later instant and
 * computes a few minor units less, and the first one is what the customer was told about.
 */
export async function creditUnusedTime(em: EntityManager, request: UnusedPeriodRequest): Promise<number> {
  if (request.disposition !== 'credit')
    throw new Error(`creditUnusedTime got a ${request.disposition} request`);
  const made = await em.findOne(CustomerBalanceTransaction, { sourceKey: request.causeKey });
  if (made) return made.amount;
  const part = await unusedPartOfPeriod(em, request);
  if (!part) return 0;
  await adjustCustomerBalance(em, {
    customerId: request.customerId,
    amount: part.unused,
    currency: part.invoice.currency,
    sourceKey: request.causeKey,
    description: `Unused time ${request.at.slice(0, 10)} – ${request.period.end.slice(0, 10)}`,
  });
  return part.unused;
}
