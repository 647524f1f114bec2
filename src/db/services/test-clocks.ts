import type { EntityManager } from '@mikro-orm/postgresql';
import { Customer, TestClock } from '../entities';

/** A clock that can still take customers and advances; a deleted one answers as unknown. */
export function findLiveTestClock(em: EntityManager, id: string): Promise<TestClock | null> {
  return em.findOne(TestClock, { id, deletedAt: null });
}

/**
 * The frozen time a new subscription of this customer starts at, or `undefined` for a customer on real time.
 * A deleted clock still answers: its customers stay in simulated time rather than jumping to the present.
 */
export async function clockTimeForCustomer(
  em: EntityManager,
  customerId: string,
): Promise<string | undefined> {
  const customer = await em.findOne(Customer, customerId, { fields: ['testClockId'] });
  if (!customer?.testClockId) return undefined;
  const clock = await em.findOne(TestClock, customer.testClockId, { fields: ['frozenTime'] });
  return clock?.frozenTime.toISOString();
}
