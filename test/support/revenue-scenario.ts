import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { Customer, Invoice, PaymentAttempt, TestClock } from '../../src/db/entities';
import { newId } from '../../src/db/ids';
import type { Orm } from '../../src/db/orm.config';
import { appendDomainEvent } from '../../src/db/services/events';
import { recordMrrChange } from '../../src/db/services/mrr';
import {
  subscriptionMrr,
  trialTransition,
  type MrrDiscount,
  type MrrInterval,
  type MrrSnapshot,
} from '../../src/domain/mrr';

/**
 * Writes what the subscription workflow's commit writes for each change, in one transaction: the domain event
 * with the subscription snapshot in `data.subscription` (the shape the workflow publishes), and the MRR change
 * computed from the snapshots before and after it.
 */
export class SubscriptionStory {
  private sequence = 0;
  private current: MrrSnapshot | null = null;

  constructor(
    private readonly orm: Orm,
    readonly id: string,
    readonly customerId: string,
  ) {}

  async event(type: string, at: string, next: MrrSnapshot): Promise<void> {
    this.sequence += 1;
    const eventKey = `${this.id}:${this.sequence}`;
    const previous = this.current;
    await this.orm.em.fork().transactional(async (tx) => {
      await appendDomainEvent(tx, {
        key: eventKey,
        type,
        subscriptionId: this.id,
        customerId: this.customerId,
        occurredAt: at,
        data: { at, subscription: eventSnapshot(next, previous?.status ?? null) },
      });
      await recordMrrChange(tx, {
        subscriptionId: this.id,
        customerId: this.customerId,
        currency: next.currency,
        before: previous ? subscriptionMrr(previous) : 0,
        after: subscriptionMrr(next),
        at,
        eventKey,
        testMode: next.testMode,
        ...trialTransition(previous?.status ?? null, next.status),
      });
    });
    this.current = next;
  }
}

/** The snapshot as a domain event carries it (snake_case, items and discounts with their ids). */
export function eventSnapshot(snapshot: MrrSnapshot, previousStatus: string | null) {
  return {
    status: snapshot.status,
    previous_status: previousStatus,
    currency: snapshot.currency,
    interval: snapshot.interval,
    items: snapshot.items.map((item, index) => ({
      id: `si_${index}`,
      plan_id: `plan_${index}`,
      kind: item.kind,
      quantity: 1,
      amount: item.amount,
    })),
    discounts: snapshot.discounts.map((discount, index) =>
      discount.type === 'percent'
        ? {
            coupon_id: `co_${index}`,
            type: 'percent',
            basis_points: discount.basisPoints,
            recurring: discount.recurring,
          }
        : {
            coupon_id: `co_${index}`,
            type: 'amount',
            amount: discount.amount,
            recurring: discount.recurring,
          },
    ),
    test_mode: snapshot.testMode,
  };
}

export function snapshot(
  status: string,
  amount: number,
  interval: MrrInterval,
  options: { currency?: string; discounts?: MrrDiscount[]; testMode?: boolean } = {},
): MrrSnapshot {
  return {
    status,
    currency: options.currency ?? 'EUR',
    interval,
    items: [
      { kind: 'licensed', amount },
      // Usage beside the licensed price: never part of MRR.
      { kind: 'metered', amount: 777 },
    ],
    discounts: options.discounts ?? [],
    testMode: options.testMode ?? false,
  };
}

const MONTH: MrrInterval = { unit: 'month', count: 1 };
const QUARTER: MrrInterval = { unit: 'month', count: 3 };
const YEAR: MrrInterval = { unit: 'year', count: 1 };
const WEEK: MrrInterval = { unit: 'week', count: 1 };
const TEN_PERCENT_FOREVER: MrrDiscount = { type: 'percent', basisPoints: 1000, recurring: true };

async function customer(em: EntityManager, name: string, testClockId?: string): Promise<string> {
  const row = em.create(Customer, {
    email: `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.test`,
    name,
    country: 'DE',
    testClockId: testClockId ?? null,
  });
  await em.flush();
  return row.id;
}

let invoiceNumber = 0;

/**
 * An invoice whose first charge failed (attempt 1), then was paid by a retry (attempt 2) or given up as
 * uncollectible; or, with `firstAttempt: 'succeeded'`, one that never was past due.
 */
async function chargedInvoice(
  em: EntityManager,
  input: {
    customerId: string;
    currency: string;
    total: number;
    failedAt?: string;
    outcome: 'paid' | 'uncollectible' | 'void';
    resolvedAt: string;
  },
): Promise<void> {
  invoiceNumber += 1;
  const paid = input.outcome === 'paid';
  const invoice = em.create(Invoice, {
    customer: em.getReference(Customer, input.customerId),
    billingReason: 'manual',
    status: input.outcome,
    number: `T-${invoiceNumber}-${randomBytes(3).toString('hex')}`,
    currency: input.currency,
    subtotal: input.total,
    discountTotal: 0,
    taxTotal: 0,
    total: input.total,
    creditApplied: 0,
    creditToBalance: 0,
    amountDue: input.total,
    amountPaid: paid ? input.total : 0,
    finalizedAt: new Date(input.failedAt ?? input.resolvedAt),
    paidAt: paid ? new Date(input.resolvedAt) : null,
    markedUncollectibleAt: input.outcome === 'uncollectible' ? new Date(input.resolvedAt) : null,
    voidedAt: input.outcome === 'void' ? new Date(input.resolvedAt) : null,
  });
  const attempt = (n: number, status: 'failed' | 'succeeded', at: string) =>
    em.create(PaymentAttempt, {
      invoice,
      attempt: n,
      idempotencyKey: `${invoice.id}:attempt:${n}`,
      amount: input.total,
      currency: input.currency,
      gateway: 'sandbox',
      status,
      failureCode: status === 'failed' ? 'insufficient_funds' : null,
      createdAt: new Date(at),
      completedAt: new Date(at),
    });
  if (input.failedAt) attempt(1, 'failed', input.failedAt);
  if (paid) attempt(input.failedAt ? 2 : 1, 'succeeded', input.resolvedAt);
  await em.flush();
}

export interface RevenueScenario {
  customers: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i', string>;
  subscriptions: Record<'a1' | 'a2' | 'b1' | 'c1' | 'd1' | 'e1' | 'f1' | 'g1' | 'h1' | 'i1', string>;
}

/**
 * Four months of a small EUR business, plus one USD and one JPY subscription and one on a test clock; the figures
 * it must give are worked out by hand in test/integration/api/analytics.test.ts and docs/analytics.md.
 *
 *   A  monthly 50.00 from 01-05; upgraded to 80.00 on 02-10; a second subscription of 10.00 a month on 04-10
 *   B  yearly 1200.00 (100.00 a month) from 01-10; past due 02-12, recovered 02-14; canceled 03-15
 *   C  quarterly 300.00 with 10 % off forever (90.00 a month) from 01-20; downgraded to 150.00 (45.00) on 02-20
 *   D  trial from 01-25, converted on 02-08 to monthly 20.00
 *   E  weekly 10.00 (43.33 a month) from 02-03; dunning exhausted, paused 03-05; resumed 04-02
 *   F  trial from 02-15, canceled at its end on 03-01 without converting
 *   G  monthly 99.00 from 01-07 on a test clock (test mode)
 *   H  monthly 30.00 USD from 03-03
 *   I  monthly 5000 JPY from 03-20
 */
export async function seedRevenueScenario(orm: Orm): Promise<RevenueScenario> {
  const em = orm.em.fork();
  const clock = em.create(TestClock, { frozenTime: new Date('2027-01-07T00:00:00Z') });
  await em.flush();
  const customers = {
    a: await customer(em, 'A'),
    b: await customer(em, 'B'),
    c: await customer(em, 'C'),
    d: await customer(em, 'D'),
    e: await customer(em, 'E'),
    f: await customer(em, 'F'),
    g: await customer(em, 'G', clock.id),
    h: await customer(em, 'H'),
    i: await customer(em, 'I'),
  };
  const subscriptions = {
    a1: newId('sub'),
    a2: newId('sub'),
    b1: newId('sub'),
    c1: newId('sub'),
    d1: newId('sub'),
    e1: newId('sub'),
    f1: newId('sub'),
    g1: newId('sub'),
    h1: newId('sub'),
    i1: newId('sub'),
  };
  const story = (key: keyof typeof subscriptions, owner: keyof typeof customers) =>
    new SubscriptionStory(orm, subscriptions[key], customers[owner]);
  const [a1, a2, b1, c1, d1, e1, f1, g1, h1, i1] = [
    story('a1', 'a'),
    story('a2', 'a'),
    story('b1', 'b'),
    story('c1', 'c'),
    story('d1', 'd'),
    story('e1', 'e'),
    story('f1', 'f'),
    story('g1', 'g'),
    story('h1', 'h'),
    story('i1', 'i'),
  ];
  const discounted = { discounts: [TEN_PERCENT_FOREVER] };

  // January
  await a1.event('subscription.created', '2027-01-05T09:00:00.000Z', snapshot('active', 5000, MONTH));
  await g1.event(
    'subscription.created',
    '2027-01-07T09:00:00.000Z',
    snapshot('active', 9900, MONTH, { testMode: true }),
  );
  await b1.event('subscription.created', '2027-01-10T09:00:00.000Z', snapshot('active', 120_000, YEAR));
  await c1.event(
    'subscription.created',
    '2027-01-20T09:00:00.000Z',
    snapshot('active', 30_000, QUARTER, discounted),
  );
  await d1.event('subscription.created', '2027-01-25T09:00:00.000Z', snapshot('trialing', 2000, MONTH));
  // February
  await e1.event('subscription.created', '2027-02-03T09:00:00.000Z', snapshot('active', 1000, WEEK));
  await d1.event('invoice.paid', '2027-02-08T09:00:00.000Z', snapshot('active', 2000, MONTH));
  await a1.event('subscription.plan_changed', '2027-02-10T09:00:00.000Z', snapshot('active', 8000, MONTH));
  await b1.event('invoice.payment_failed', '2027-02-12T09:00:00.000Z', snapshot('past_due', 120_000, YEAR));
  await b1.event('subscription.recovered', '2027-02-14T09:00:00.000Z', snapshot('active', 120_000, YEAR));
  await f1.event('subscription.created', '2027-02-15T09:00:00.000Z', snapshot('trialing', 1500, MONTH));
  await c1.event(
    'subscription.plan_changed',
    '2027-02-20T09:00:00.000Z',
    snapshot('active', 15_000, QUARTER, discounted),
  );
  // March
  await f1.event('subscription.canceled', '2027-03-01T09:00:00.000Z', snapshot('canceled', 1500, MONTH));
  await h1.event(
    'subscription.created',
    '2027-03-03T09:00:00.000Z',
    snapshot('active', 3000, MONTH, { currency: 'USD' }),
  );
  await e1.event('subscription.paused', '2027-03-05T09:00:00.000Z', snapshot('paused', 1000, WEEK));
  await b1.event('subscription.canceled', '2027-03-15T09:00:00.000Z', snapshot('canceled', 120_000, YEAR));
  await i1.event(
    'subscription.created',
    '2027-03-20T09:00:00.000Z',
    snapshot('active', 5000, MONTH, { currency: 'JPY' }),
  );
  // April
  await e1.event('subscription.resumed', '2027-04-02T09:00:00.000Z', snapshot('active', 1000, WEEK));
  await a2.event('subscription.created', '2027-04-10T09:00:00.000Z', snapshot('active', 1000, MONTH));

  // Dunning: B's renewal failed and was recovered; E's failed and was given up; neither of the others counts.
  await chargedInvoice(em, {
    customerId: customers.b,
    currency: 'EUR',
    total: 142_800,
    failedAt: '2027-02-12T09:00:00.000Z',
    outcome: 'paid',
    resolvedAt: '2027-02-14T09:00:00.000Z',
  });
  await chargedInvoice(em, {
    customerId: customers.e,
    currency: 'EUR',
    total: 1190,
    failedAt: '2027-02-24T09:00:00.000Z',
    outcome: 'uncollectible',
    resolvedAt: '2027-03-05T09:00:00.000Z',
  });
  // Paid at the first try: never past due.
  await chargedInvoice(em, {
    customerId: customers.a,
    currency: 'EUR',
    total: 9520,
    outcome: 'paid',
    resolvedAt: '2027-02-10T09:00:00.000Z',
  });
  // Past due, then voided: neither recovered nor lost.
  await chargedInvoice(em, {
    customerId: customers.c,
    currency: 'EUR',
    total: 5355,
    failedAt: '2027-02-20T09:00:00.000Z',
    outcome: 'void',
    resolvedAt: '2027-02-21T09:00:00.000Z',
  });
  // Test mode: recovered, but only counted with include_test_mode.
  await chargedInvoice(em, {
    customerId: customers.g,
    currency: 'EUR',
    total: 11_781,
    failedAt: '2027-02-07T09:00:00.000Z',
    outcome: 'paid',
    resolvedAt: '2027-02-09T09:00:00.000Z',
  });
  return { customers, subscriptions };
}
