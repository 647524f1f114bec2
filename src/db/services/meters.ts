import type { EntityManager } from '@mikro-orm/postgresql';
import { Meter, type MeterAggregation } from '../entities';
import { newId } from '../ids';
import { toDate } from './instants';

export type MeterInput = {
  name: string;
  eventName: string;
  aggregation: MeterAggregation;
  unitLabel: string | null;
};

/**
 * Creates a meter unless its event name is taken (by any meter, archived ones included, so an event name never
 * changes what it counts): then `null`. The unique constraint decides, so two concurrent creates cannot both win.
 */
export async function createMeter(em: EntityManager, input: MeterInput): Promise<Meter | null> {
  const id = newId('mtr');
  const inserted = await em
    .createQueryBuilder(Meter)
    .insert({
      id,
      name: input.name,
      eventName: input.eventName,
      aggregation: input.aggregation,
      unitLabel: input.unitLabel,
    })
    .onConflict(['eventName'])
    .ignore()
    .execute('run');
  return inserted.affectedRows === 0 ? null : em.findOneOrFail(Meter, id);
}

/**
 * Archives a meter once: a second archive keeps the first time. Its plans keep billing the usage already recorded;
 * new plans and new usage are refused by the API.
 */
export async function archiveMeter(em: EntityManager, id: string, at: string): Promise<Meter | null> {
  await em.nativeUpdate(Meter, { id, archivedAt: null }, { archivedAt: toDate(at) });
  return em.findOne(Meter, id, { refresh: true });
}
