import { Renewal } from '../db/entities';
import type { ActivityDeps } from '.';

export interface RecordRenewalRequest {
  subscriptionId: string;
  periodIndex: number;
  periodStart: string;
  periodEnd: string;
}

export function createRenewalActivities({ orm }: Pick<ActivityDeps, 'orm'>) {
  return {
    /** Idempotent by (subscription, period): a retried activity finds the row it wrote before. */
    async recordRenewal(request: RecordRenewalRequest): Promise<{ created: boolean }> {
      const em = orm.em.fork();
      const inserted = await em
        .createQueryBuilder(Renewal)
        .insert({
          subscriptionId: request.subscriptionId,
          periodIndex: request.periodIndex,
          periodStart: new Date(request.periodStart),
          periodEnd: new Date(request.periodEnd),
        })
        .onConflict(['subscriptionId', 'periodIndex'])
        .ignore()
        .execute('run');
      return { created: inserted.affectedRows > 0 };
    },
  };
}
