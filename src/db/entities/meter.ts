import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

export const METER_AGGREGATIONS = ['sum', 'max', 'unique_count'] as const;
export type MeterAggregation = (typeof METER_AGGREGATIONS)[number];

/**
 * What a metered plan counts, and how a period's usage events collapse into one quantity. An archived meter takes
 * no new plans and no new usage events, and still bills the usage its plans already recorded.
 */
export class Meter {
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = newId('mtr');
  name!: string;
  eventName!: string;
  aggregation!: MeterAggregation;
  /** What one unit is called on invoices and in the API (e.g. "API calls", "GB"). */
  unitLabel?: string | null;
  archivedAt?: Date | null;
  createdAt: Date = new Date();
}

export const MeterSchema = new EntitySchema<Meter>({
  class: Meter,
  tableName: 'meters',
  properties: {
    id: { type: 'text', primary: true },
    name: { type: 'text' },
    eventName: { type: 'text', unique: 'meters_event_name_unique' },
    aggregation: { type: 'text', enum: true, items: [...METER_AGGREGATIONS] },
    unitLabel: { type: 'text', nullable: true },
    archivedAt: { ...timestamptz, nullable: true },
    createdAt: createdAtColumn,
  },
});
