import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

export const TEST_CLOCK_STATUSES = ['ready', 'advancing'] as const;
export type TestClockStatus = (typeof TEST_CLOCK_STATUSES)[number];

/**
 * A simulated "now" for the customers attached to it and their subscriptions (Stripe's test clocks). `status`
 * records what was last asked of the clock; whether its subscriptions have caught up is only known by asking
 * their workflows, so the API derives the status it reports from them.
 */
export class TestClock {
  [OptionalProps]?: 'id' | 'name' | 'status' | 'createdAt';
  id: string = newId('clock');
  name?: string | null;
  frozenTime!: Date;
  status: TestClockStatus = 'ready';
  createdAt: Date = new Date();
  deletedAt?: Date | null;
}

export const TestClockSchema = new EntitySchema<TestClock>({
  class: TestClock,
  tableName: 'test_clocks',
  indexes: [{ properties: ['createdAt', 'id'], name: 'test_clocks_created_at_id_index' }],
  properties: {
    id: { type: 'text', primary: true },
    name: { type: 'text', nullable: true },
    frozenTime: { ...timestamptz },
    status: { type: 'text', enum: true, items: [...TEST_CLOCK_STATUSES], default: 'ready' },
    createdAt: createdAtColumn,
    deletedAt: { ...timestamptz, nullable: true },
  },
});
