import { readRows } from '../direct-read';
import type { Orm } from '../orm.config';
import type { SubscriptionStatus } from '../entities';
import type { SubscriptionState } from '../../workflows/lifecycle/state';

/** A subscription's committed read-model state beside its customer's balance, as the API answers them. */
export interface SubscriptionReadRow {
  id: string;
  workflow_id: string;
  state: SubscriptionState | null;
  /** Minor units as text: `bigint` does not fit a JavaScript number in general, the caller converts. */
  balance: string;
  balance_currency: string | null;
}

const COLUMNS = `s.id, s.workflow_id, s.state, c.balance::text as balance, c.balance_currency
  from subscriptions s join customers c on c.id = s.customer_id`;

/** One subscription with its customer's balance, in one statement; `undefined` when there is no such subscription. */
export async function readSubscriptionRow(orm: Orm, id: string): Promise<SubscriptionReadRow | undefined> {
  const [row] = await readRows<SubscriptionReadRow>(orm, `select ${COLUMNS} where s.id = $1`, [id]);
  return row;
}

export interface SubscriptionListFilter {
  status?: SubscriptionStatus;
  customerId?: string;
  planId?: string;
}

/**
 * A page of the subscriptions list in one statement, ordered by `(created_at, id)` as every list is (see
 * `api/pagination.ts`): `limit + 1` rows, the extra one telling whether there are more. `startingAfter` must name
 * a row that passes the filter (the caller checks with `subscriptionInList`).
 */
export async function listSubscriptionRows(
  orm: Orm,
  filter: SubscriptionListFilter,
  page: { limit: number; startingAfter?: string },
): Promise<SubscriptionReadRow[]> {
  const { conditions, values } = filterSql(filter);
  if (page.startingAfter !== undefined) {
    values.push(page.startingAfter);
    conditions.push(
      `(s.created_at, s.id) > (select a.created_at, a.id from subscriptions a where a.id = $${values.length})`,
    );
  }
  values.push(page.limit + 1);
  return readRows<SubscriptionReadRow>(
    orm,
    `select ${COLUMNS} ${where(conditions)} order by s.created_at, s.id limit $${values.length}`,
    values,
  );
}

/** Whether a cursor names a subscription that the same filter lists. */
export async function subscriptionInList(
  orm: Orm,
  filter: SubscriptionListFilter,
  id: string,
): Promise<boolean> {
  const { conditions, values } = filterSql(filter);
  values.push(id);
  conditions.push(`s.id = $${values.length}`);
  const rows = await readRows(orm, `select 1 from subscriptions s ${where(conditions)}`, values);
  return rows.length > 0;
}

function filterSql(filter: SubscriptionListFilter): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    values.push(value);
    conditions.push(`s.${column} = $${values.length}`);
  };
  add('status', filter.status);
  add('customer_id', filter.customerId);
  add('plan_id', filter.planId);
  return { conditions, values };
}

const where = (conditions: string[]) => (conditions.length ? `where ${conditions.join(' and ')}` : '');

/** A customer's balance beside a command's answer, read after the command (it may have moved the balance). */
export async function readCustomerBalance(
  orm: Orm,
  customerId: string,
): Promise<Pick<SubscriptionReadRow, 'balance' | 'balance_currency'> | undefined> {
  const [row] = await readRows<Pick<SubscriptionReadRow, 'balance' | 'balance_currency'>>(
    orm,
    'select balance::text as balance, balance_currency from customers where id = $1',
    [customerId],
  );
  return row;
}
