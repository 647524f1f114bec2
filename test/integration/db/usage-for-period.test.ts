import { Meter, Plan } from '../../../src/db/entities';
import { ingestUsageEvents, usageForPeriod, type UsageRecordInput } from '../../../src/db/services';
import type { MeterAggregation } from '../../../src/db/entities';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { seedSeller, seedSubscription, storeErrorCode, unique } from './fixtures';

describe('usageForPeriod on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedSeller(db.orm.em.fork());
  });

  afterAll(async () => {
    await db?.drop();
  });

  const window = { start: '2026-01-15T00:00:00Z', end: '2026-02-15T00:00:00Z' };

  /** A subscription whose plan counts on a fresh meter of the given aggregation, with these events recorded. */
  async function usage(aggregation: MeterAggregation, records: UsageRecordInput[]) {
    const em = db.orm.em.fork();
    const { subscription, plan } = await seedSubscription(em);
    const meter = em.create(Meter, { name: 'Calls', eventName: unique('calls'), aggregation });
    (await em.findOneOrFail(Plan, plan.id)).meter = meter;
    await em.flush();
    await ingestUsageEvents(db.orm.em.fork(), {
      subscriptionId: subscription.id,
      meterId: meter.id,
      records,
    });
    return { subscriptionId: subscription.id, meterId: meter.id };
  }

  const records: UsageRecordInput[] = [
    // Before the window, at its start (counted), inside, one millisecond before its end, at its end (not counted).
    { clientId: 'e1', quantity: 100, value: 'alice', occurredAt: '2026-01-14T23:59:59.999Z' },
    { clientId: 'e2', quantity: 3, value: 'alice', occurredAt: '2026-01-15T00:00:00Z' },
    { clientId: 'e3', quantity: 9, value: 'bob', occurredAt: '2026-01-31T12:00:00Z' },
    { clientId: 'e4', quantity: 4, value: 'alice', occurredAt: '2026-02-14T23:59:59.999Z' },
    { clientId: 'e5', quantity: 50, value: 'carol', occurredAt: '2026-02-15T00:00:00Z' },
  ];

  test('sum, max and unique count over [start, end): the start counts, the end does not', async () => {
    const em = () => db.orm.em.fork();
    const sum = await usage('sum', records);
    const max = await usage('max', records);
    const distinct = await usage('unique_count', records);

    expect(await usageForPeriod(em(), { ...sum, ...window })).toBe(3 + 9 + 4);
    expect(await usageForPeriod(em(), { ...max, ...window })).toBe(9);
    expect(await usageForPeriod(em(), { ...distinct, ...window })).toBe(2);
  });

  test('only the given subscription and meter count; an empty window is 0; a reversed window and an unknown meter are refused', async () => {
    const mine = await usage('sum', records);
    const other = await usage('sum', [{ clientId: 'x', quantity: 1000, occurredAt: '2026-01-20T00:00:00Z' }]);

    expect(await usageForPeriod(db.orm.em.fork(), { ...mine, ...window })).toBe(16);
    expect(await usageForPeriod(db.orm.em.fork(), { ...other, ...window })).toBe(1000);
    expect(
      await usageForPeriod(db.orm.em.fork(), {
        subscriptionId: mine.subscriptionId,
        meterId: other.meterId,
        ...window,
      }),
    ).toBe(0);
    expect(
      await usageForPeriod(db.orm.em.fork(), {
        ...mine,
        start: '2026-03-01T00:00:00Z',
        end: '2026-04-01T00:00:00Z',
      }),
    ).toBe(0);
    expect(
      await storeErrorCode(
        usageForPeriod(db.orm.em.fork(), { ...mine, start: window.end, end: window.start }),
      ),
    ).toBe('invalid_input');
    expect(
      await storeErrorCode(
        usageForPeriod(db.orm.em.fork(), { ...mine, meterId: 'mtr_000000000000000000000000', ...window }),
      ),
    ).toBe('not_found');
  });
});
