import { EntitySchema, OptionalProps } from '@mikro-orm/core';

/** One row per (subscription, period): the foundation slice's proof that a renewal ran exactly once. */
export class Renewal {
  [OptionalProps]?: 'id' | 'recordedAt';
  id!: string;
  subscriptionId!: string;
  periodIndex!: number;
  periodStart!: Date;
  periodEnd!: Date;
  recordedAt: Date = new Date();
}

export const RenewalSchema = new EntitySchema<Renewal>({
  class: Renewal,
  tableName: 'renewals',
  uniques: [{ properties: ['subscriptionId', 'periodIndex'], name: 'renewals_subscription_period_unique' }],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    subscriptionId: { type: 'text' },
    periodIndex: { type: 'integer' },
    periodStart: { type: 'datetime', columnType: 'timestamptz' },
    periodEnd: { type: 'datetime', columnType: 'timestamptz' },
    recordedAt: { type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
