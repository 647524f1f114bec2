import type { AdminContext } from '../context';
import type { DashboardFigures } from '../figures';
import { MovementsChart, MrrChart } from './charts';
import { AdminShell, DataTable, linkTo, text } from './shell';

export interface EventRow {
  id: string;
  type: string;
  subscription_id: string | null;
  customer_id: string | null;
  data: Record<string, unknown>;
  occurred_at: string;
}

export function eventRows(ctx: AdminContext, events: EventRow[]): JSX.Element[][] {
  return events.map((event) => [
    text(ctx.f.dateTime(event.occurred_at)),
    <code safe>{event.type}</code>,
    event.subscription_id
      ? linkTo(`/admin/subscriptions/${event.subscription_id}`, event.subscription_id)
      : event.customer_id
        ? linkTo(`/admin/customers/${event.customer_id}`, event.customer_id)
        : text(''),
    <small class="secret" safe>
      {JSON.stringify(event.data).slice(0, 240)}
    </small>,
  ]);
}

export function eventHead(ctx: AdminContext) {
  const { t } = ctx;
  return [{ label: t.date }, { label: t.eventType }, { label: t.subject }, { label: t.details }];
}

export function DashboardPage(props: {
  ctx: AdminContext;
  figures: DashboardFigures;
  events: EventRow[];
}): JSX.Element {
  const { ctx, figures } = props;
  const { t, f } = ctx;
  const count = (status: string) => f.number(figures.counts[status] ?? 0);
  return (
    <AdminShell ctx={ctx} title={t.dashboard} section="dashboard">
      <h1 safe>{t.dashboard}</h1>
      <div class="grid">
        <article>
          <header safe>{t.activeSubscriptions}</header>
          <p>
            <strong safe>{count('active')}</strong>
          </p>
        </article>
        <article>
          <header safe>{t.trialing}</header>
          <p>
            <strong safe>{count('trialing')}</strong>
          </p>
        </article>
        <article>
          <header>
            <a href="/admin/dunning" safe>
              {t.pastDue}
            </a>
          </header>
          <p>
            <strong safe>{count('past_due')}</strong>
          </p>
        </article>
        <article>
          <header safe>{t.unpaid}</header>
          <p>
            <strong safe>{count('unpaid')}</strong>
          </p>
        </article>
      </div>
      <article>
        <header safe>{t.mrr}</header>
        {figures.mrr.length === 0 ? (
          <p>—</p>
        ) : (
          figures.mrr.map((row) => (
            <p>
              <strong safe>{f.money(row.amount, row.currency)}</strong>
            </p>
          ))
        )}
        <small safe>{t.mrrNote}</small>
      </article>
      <section aria-labelledby="revenue-charts">
        <h2 id="revenue-charts" safe>
          {t.revenueCharts}
        </h2>
        <p>
          <small safe>{t.revenueChartsNote}</small>
        </p>
        {figures.revenue.length === 0 ? (
          <p safe>{t.noRevenueYet}</p>
        ) : (
          figures.revenue.map((series) => (
            <div class="grid charts">
              <MrrChart ctx={ctx} series={series} />
              <MovementsChart ctx={ctx} series={series} />
            </div>
          ))
        )}
      </section>
      <section>
        <h2 safe>{t.recentEvents}</h2>
        <DataTable
          label={t.recentEvents}
          head={eventHead(ctx)}
          rows={eventRows(ctx, props.events)}
          empty={t.none}
        />
        <p>
          <a href="/admin/events" safe>
            {t.events}
          </a>
        </p>
      </section>
    </AdminShell>
  );
}

export function EventsPage(props: {
  ctx: AdminContext;
  events: EventRow[];
  type: string;
  next: string | null;
}): JSX.Element {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <AdminShell ctx={ctx} title={t.events} section="events">
      <h1 safe>{t.events}</h1>
      <form method="get" action="/admin/events" role="search">
        <label>
          <span safe>{t.eventType}</span>
          <input type="search" name="type" value={props.type} placeholder="invoice.paid" />
        </label>
        <button type="submit" class="secondary" safe>
          {t.filter}
        </button>
      </form>
      <DataTable label={t.events} head={eventHead(ctx)} rows={eventRows(ctx, props.events)} empty={t.none} />
      {props.next ? (
        <a
          role="button"
          class="secondary"
          href={`/admin/events?type=${encodeURIComponent(props.type)}&starting_after=${encodeURIComponent(props.next)}`}
          safe
        >
          {t.nextPage}
        </a>
      ) : (
        ''
      )}
    </AdminShell>
  );
}
