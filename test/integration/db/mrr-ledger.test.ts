import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../../../src/db/ids';
import { appendDomainEvent } from '../../../src/db/services/events';
import { recordMrrChange, type MrrChange } from '../../../src/db/services/mrr';
import {
  compareLedgers,
  computeLedgerFromEvents,
  rebuildMrrLedger,
  recordedLedger,
} from '../../../src/db/services/mrr-rebuild';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { seedRevenueScenario, type RevenueScenario } from '../../support/revenue-scenario';

async function rows(em: EntityManager, sql: string, params: unknown[] = []) {
  return em.execute<Record<string, unknown>[]>(sql, params);
}

describe('the MRR ledger', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  describe('recordMrrChange', () => {
    const change = (overrides: Partial<MrrChange> & { eventKey: string }): MrrChange => ({
      subscriptionId: 'sub_record',
      customerId: 'cus_record',
      currency: 'EUR',
      before: 0,
      after: 0,
      at: '2027-01-01T00:00:00Z',
      testMode: false,
      ...overrides,
    });
    const movementsOf = (subscriptionId: string) =>
      rows(
        db.orm.em.fork(),
        `select sequence, kind, mrr_before::int, mrr_after::int, delta::int, event_key
           from mrr_movements where subscription_id = ? order by sequence`,
        [subscriptionId],
      );

    test('records new, expansion, contraction, churn and reactivation, each chained to the one before', async () => {
      const steps: [string, number, number][] = [
        ['k1', 0, 1900],
        ['k2', 1900, 2900],
        ['k3', 2900, 2900], // unchanged: no movement
        ['k4', 2900, 1000],
        ['k5', 1000, 0],
        ['k6', 0, 1500],
      ];
      for (const [key, before, after] of steps) {
        await recordMrrChange(db.orm.em.fork(), change({ eventKey: `rec:${key}`, before, after }));
      }
      expect(await movementsOf('sub_record')).toEqual([
        { sequence: 1, kind: 'new', mrr_before: 0, mrr_after: 1900, delta: 1900, event_key: 'rec:k1' },
        {
          sequence: 2,
          kind: 'expansion',
          mrr_before: 1900,
          mrr_after: 2900,
          delta: 1000,
          event_key: 'rec:k2',
        },
        {
          sequence: 3,
          kind: 'contraction',
          mrr_before: 2900,
          mrr_after: 1000,
          delta: -1900,
          event_key: 'rec:k4',
        },
        { sequence: 4, kind: 'churn', mrr_before: 1000, mrr_after: 0, delta: -1000, event_key: 'rec:k5' },
        {
          sequence: 5,
          kind: 'reactivation',
          mrr_before: 0,
          mrr_after: 1500,
          delta: 1500,
          event_key: 'rec:k6',
        },
      ]);
    });

    test('a retried change with the same event key records nothing twice, trial marks included', async () => {
      const first = change({
        subscriptionId: 'sub_retry',
        eventKey: 'retry:1',
        after: 1000,
        trialConverted: true,
      });
      await recordMrrChange(db.orm.em.fork(), first);
      await recordMrrChange(db.orm.em.fork(), first);
      // The same conversion reported again by a later event is still one conversion.
      await recordMrrChange(db.orm.em.fork(), { ...first, eventKey: 'retry:2' });
      expect(await movementsOf('sub_retry')).toHaveLength(1);
      expect(
        await rows(db.orm.em.fork(), `select kind from trial_marks where subscription_id = 'sub_retry'`),
      ).toEqual([{ kind: 'converted' }]);
    });

    test("starts from the ledger's own last MRR, so a stale `before` cannot break the chain", async () => {
      await recordMrrChange(
        db.orm.em.fork(),
        change({ subscriptionId: 'sub_stale', eventKey: 'stale:1', after: 1000 }),
      );
      await recordMrrChange(
        db.orm.em.fork(),
        change({ subscriptionId: 'sub_stale', eventKey: 'stale:2', before: 400, after: 1500 }),
      );
      expect((await movementsOf('sub_stale')).map((row) => [row.kind, row.mrr_before, row.delta])).toEqual([
        ['new', 0, 1000],
        ['expansion', 1000, 500],
      ]);
    });

    test('rolls back with the transaction that records its domain event: both or neither', async () => {
      await expect(
        db.orm.em.fork().transactional(async (tx) => {
          await appendDomainEvent(tx, {
            key: 'rollback:1',
            type: 'subscription.created',
            subscriptionId: 'sub_rollback',
            data: {},
            occurredAt: '2027-01-01T00:00:00Z',
          });
          await recordMrrChange(
            tx,
            change({ subscriptionId: 'sub_rollback', eventKey: 'rollback:1', after: 900 }),
          );
          throw new Error('the commit fails after both writes');
        }),
      ).rejects.toThrow('the commit fails');
      expect(await movementsOf('sub_rollback')).toEqual([]);
      expect(await rows(db.orm.em.fork(), `select 1 from events where key = 'rollback:1'`)).toEqual([]);
    });

    test('refuses a currency change, negative MRR and an unknown currency', async () => {
      await recordMrrChange(
        db.orm.em.fork(),
        change({ subscriptionId: 'sub_cur', eventKey: 'cur:1', after: 100 }),
      );
      await expect(
        recordMrrChange(
          db.orm.em.fork(),
          change({ subscriptionId: 'sub_cur', eventKey: 'cur:2', currency: 'USD', after: 200 }),
        ),
      ).rejects.toMatchObject({ code: 'currency_mismatch' });
      await expect(
        recordMrrChange(db.orm.em.fork(), change({ eventKey: 'neg', after: -1 })),
      ).rejects.toMatchObject({
        code: 'invalid_input',
      });
      await expect(
        recordMrrChange(db.orm.em.fork(), change({ eventKey: 'xxx', currency: 'XXX', after: 1 })),
      ).rejects.toMatchObject({ code: 'invalid_input' });
    });

    test('changes of one subscription committed at once still chain (serialised per subscription)', async () => {
      const subscriptionId = newId('sub');
      await Promise.all(
        [1000, 2000, 3000, 4000, 5000].map((after, index) =>
          recordMrrChange(db.orm.em.fork(), change({ subscriptionId, eventKey: `par:${index}`, after })),
        ),
      );
      const movements = await movementsOf(subscriptionId);
      expect(movements.map((row) => row.sequence)).toEqual([1, 2, 3, 4, 5]);
      movements.forEach((row, index) => {
        expect(row.mrr_before).toBe(index === 0 ? 0 : movements[index - 1]!.mrr_after);
      });
    });
  });

  describe('rebuild from the domain events', () => {
    let scenario: RevenueScenario;
    let rebuildDb: TestDatabase;

    beforeAll(async () => {
      // Its own database: the rebuild reads every event, and the recorder tests above leave no events to match.
      rebuildDb = await createTestDatabase();
      scenario = await seedRevenueScenario(rebuildDb.orm);
    });

    afterAll(async () => {
      await rebuildDb?.drop();
    });

    test('the ledger rebuilt from the events equals the recorded one, row for row', async () => {
      const em = rebuildDb.orm.em.fork();
      const recorded = await recordedLedger(em);
      const rebuilt = await computeLedgerFromEvents(em);
      expect(rebuilt.unreadable).toEqual([]);
      // 14 movements: A1 new + expansion, A2 new, B new + churn, C new + contraction, D new, E new + churn +
      // reactivation, G new, H new, I new; the past-due, recovery and trial-cancel events move nothing.
      expect(recorded.movements).toHaveLength(14);
      expect(recorded.trialMarks.map((mark) => mark.kind).sort()).toEqual([
        'converted',
        'started',
        'started',
      ]);
      expect(rebuilt.movements).toEqual(
        expect.arrayContaining(recorded.movements.map((row) => expect.objectContaining(row))),
      );
      expect(compareLedgers(recorded, rebuilt)).toEqual([]);
      expect(
        recorded.movements
          .filter((row) => row.subscriptionId === scenario.subscriptions.e1)
          .map((row) => row.kind),
      ).toEqual(['new', 'churn', 'reactivation']);
    });

    test('a tampered recorded row shows as a difference (the comparison is not vacuous)', async () => {
      const em = rebuildDb.orm.em.fork();
      const recorded = await recordedLedger(em);
      const rebuilt = await computeLedgerFromEvents(em);
      const tampered = {
        ...recorded,
        movements: recorded.movements.map((row, index) =>
          index === 0 ? { ...row, mrrAfter: row.mrrAfter + 1 } : row,
        ),
      };
      expect(compareLedgers(tampered, rebuilt)).toEqual([
        expect.objectContaining({ table: 'mrr_movements', key: recorded.movements[0]!.eventKey }),
      ]);
    });

    test('npm run analytics:rebuild restores a lost ledger exactly, and reports no difference afterwards', async () => {
      const before = await recordedLedger(rebuildDb.orm.em.fork());
      await rebuildDb.orm.em.fork().execute('delete from mrr_movements');
      await rebuildDb.orm.em.fork().execute('delete from trial_marks');
      const check = await rebuildMrrLedger(rebuildDb.orm.em.fork(), { apply: false });
      expect(check.differences).toHaveLength(before.movements.length + before.trialMarks.length);
      expect(await recordedLedger(rebuildDb.orm.em.fork())).toEqual({ movements: [], trialMarks: [] });

      const applied = await rebuildMrrLedger(rebuildDb.orm.em.fork(), { apply: true });
      expect(applied.rebuilt.movements).toHaveLength(before.movements.length);
      expect(await recordedLedger(rebuildDb.orm.em.fork())).toEqual(before);
      expect((await rebuildMrrLedger(rebuildDb.orm.em.fork(), { apply: false })).differences).toEqual([]);
    });
  });
});
