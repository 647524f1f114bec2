import type { Children } from '@kitajs/html';
import { intlLocale } from '../../documents/format';
import type { Locale } from '../../surfaces/i18n';
import { Scroll } from '../../surfaces/views/components';
import type { AdminContext } from '../context';
import type { RevenueMonth, RevenueSeries } from '../figures';

/**
 * The dashboard's charts: inline SVG drawn on the server, so they need no script and nothing the strict
 * Content-Security-Policy refuses (colours come from classes of surfaces.css, never from a style attribute). Each
 * chart is an image named by its title and described by a summary; the figures it draws follow it as a table.
 */

// About the size a chart takes beside the other on a desktop, so that its labels are shown at about the size of the text around.
const WIDTH = 560;
const HEIGHT = 270;
const PLOT = { left: 92, right: 8, top: 12, bottom: 40 };
const PLOT_WIDTH = WIDTH - PLOT.left - PLOT.right;
const PLOT_HEIGHT = HEIGHT - PLOT.top - PLOT.bottom;

/** Drawing coordinates only: pixels, not money. */
const px = (value: number) => String(Math.round(value * 10) / 10);

/**
 * A round step for the axis, in minor units: 1, 2 or 5 times a power of ten, so that `span` takes at most `ticks`
 * steps. Integer arithmetic throughout, so every tick is an exact amount.
 */
export function axisStep(span: number, ticks = 4): number {
  if (span <= 0) return 1;
  const raw = Math.ceil(span / ticks);
  const magnitude = 10 ** (String(raw).length - 1);
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= raw) ?? 10 * magnitude;
}

/** The axis from `-bottom` to `top` (both multiples of the step, at least one step when everything is 0). */
export function axisOf(maxAbove: number, maxBelow: number): { top: number; bottom: number; step: number } {
  const step = axisStep(maxAbove + maxBelow);
  const top = Math.ceil(maxAbove / step) * step;
  const bottom = Math.ceil(maxBelow / step) * step;
  return { top: top === 0 && bottom === 0 ? step : top, bottom, step };
}

const monthOf = (period: string) => {
  const [year, month] = period.split('-').map(Number);
  return new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1));
};

/** `2026-12` → "Dec 2026" / "Dez. 2026". */
export function monthLabel(period: string, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(monthOf(period));
}

/** `2026-12` → "Dec" / "Dez" on the axis, where a month has about 40 pixels. */
export function monthName(period: string, locale: Locale): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { month: 'short', timeZone: 'UTC' })
    .format(monthOf(period))
    .replace(/\.$/, '');
}

type Kind = 'new' | 'expansion' | 'reactivation' | 'contraction' | 'churn';
const RISING: Kind[] = ['new', 'expansion', 'reactivation'];
const FALLING: Kind[] = ['contraction', 'churn'];

interface Axis {
  top: number;
  bottom: number;
  step: number;
}

/** The vertical pixel of an amount on a chart's axis. */
function yOnAxis(axis: Axis): (amount: number) => number {
  return (amount) => PLOT.top + ((axis.top - amount) * PLOT_HEIGHT) / (axis.top + axis.bottom);
}

/** The frame both charts share: the amount axis with its grid, the zero line and the months below. */
function Frame(props: {
  axis: Axis;
  months: RevenueMonth[];
  currency: string;
  ctx: AdminContext;
}): JSX.Element {
  const { axis, ctx } = props;
  const y = yOnAxis(axis);
  const ticks: number[] = [];
  for (let amount = -axis.bottom; amount <= axis.top; amount += axis.step) ticks.push(amount);
  const slot = PLOT_WIDTH / props.months.length;
  return (
    <g class="chart-frame">
      {ticks.map((amount) => (
        <>
          <line
            x1={px(PLOT.left)}
            x2={px(WIDTH - PLOT.right)}
            y1={px(y(amount))}
            y2={px(y(amount))}
            class={amount === 0 ? 'chart-zero' : 'chart-grid'}
          />
          <text x={px(PLOT.left - 6)} y={px(y(amount) + 4)} text-anchor="end" class="chart-label" safe>
            {ctx.f.money(amount, props.currency)}
          </text>
        </>
      ))}
      {props.months.map((month, index) => (
        <>
          <text
            x={px(PLOT.left + slot * index + slot / 2)}
            y={px(HEIGHT - PLOT.bottom + 16)}
            text-anchor="middle"
            class="chart-label"
            safe
          >
            {monthName(month.period, ctx.locale)}
          </text>
          {/* The year under the first month and under each January. */}
          {index === 0 || month.period.endsWith('-01') ? (
            <text
              x={px(PLOT.left + slot * index + slot / 2)}
              y={px(HEIGHT - PLOT.bottom + 31)}
              text-anchor="middle"
              class="chart-label"
              safe
            >
              {month.period.slice(0, 4)}
            </text>
          ) : (
            ''
          )}
        </>
      ))}
    </g>
  );
}

/** An SVG image named by its own title and described by its own desc (the summary a screen reader reads out). */
function ChartSvg(props: {
  id: string;
  title: string;
  description: string;
  children?: Children;
}): JSX.Element {
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      role="img"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-desc`}
      focusable="false"
      class="chart"
      id={props.id}
    >
      <title id={`${props.id}-title`} safe>
        {props.title}
      </title>
      <desc id={`${props.id}-desc`} safe>
        {props.description}
      </desc>
      {props.children}
    </svg>
  );
}

/** The figures a chart draws, as a table (for screen readers, for copying, and for the tests). */
function FiguresTable(props: {
  id: string;
  label: string;
  head: string[];
  rows: { period: string; cells: { amount: number; series: string }[] }[];
  currency: string;
  ctx: AdminContext;
}): JSX.Element {
  const { ctx } = props;
  return (
    <details>
      <summary safe>{ctx.t.chartTable}</summary>
      <Scroll label={props.label}>
        <table id={props.id}>
          <caption safe>{props.label}</caption>
          <thead>
            <tr>
              <th scope="col" safe>
                {ctx.t.month}
              </th>
              {props.head.map((label) => (
                <th scope="col" class="amount" safe>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-period={row.period}>
                <th scope="row" safe>
                  {monthLabel(row.period, ctx.locale)}
                </th>
                {row.cells.map((cell) => (
                  <td class="amount" data-series={cell.series} data-amount={String(cell.amount)} safe>
                    {ctx.f.money(cell.amount, props.currency)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </details>
  );
}

/** MRR at the end of each month (the current month: now), as bars. */
export function MrrChart(props: { ctx: AdminContext; series: RevenueSeries }): JSX.Element {
  const { ctx, series } = props;
  const { t, f } = ctx;
  const months = series.months;
  const id = `mrr-chart-${series.currency.toLowerCase()}`;
  const axis = axisOf(Math.max(0, ...months.map((m) => m.mrr)), Math.max(0, ...months.map((m) => -m.mrr)));
  const y = yOnAxis(axis);
  const slot = PLOT_WIDTH / months.length;
  const first = months[0];
  const last = months[months.length - 1];
  const highest = months.reduce((best, m) => (m.mrr > best.mrr ? m : best), months[0]!);
  const title = t.mrrChartTitle(series.currency);
  return (
    <figure>
      <ChartSvg
        id={id}
        title={title}
        description={
          first && last
            ? t.mrrChartSummary(
                monthLabel(first.period, ctx.locale),
                monthLabel(last.period, ctx.locale),
                f.money(first.mrr, series.currency),
                f.money(last.mrr, series.currency),
                monthLabel(highest.period, ctx.locale),
                f.money(highest.mrr, series.currency),
              )
            : ''
        }
      >
        <Frame axis={axis} months={months} currency={series.currency} ctx={ctx} />
        {months.map((month, index) => (
          <rect
            x={px(PLOT.left + slot * index + slot * 0.2)}
            width={px(slot * 0.6)}
            y={px(Math.min(y(month.mrr), y(0)))}
            height={px(Math.abs(y(month.mrr) - y(0)))}
            class="chart-bar series-mrr"
            data-period={month.period}
            data-amount={String(month.mrr)}
          >
            <title
              safe
            >{`${monthLabel(month.period, ctx.locale)}: ${f.money(month.mrr, series.currency)}`}</title>
          </rect>
        ))}
      </ChartSvg>
      <FiguresTable
        id={`${id}-table`}
        label={title}
        head={[t.mrr]}
        rows={months.map((m) => ({ period: m.period, cells: [{ amount: m.mrr, series: 'mrr' }] }))}
        currency={series.currency}
        ctx={ctx}
      />
    </figure>
  );
}

/**
 * The movements of each month stacked from the zero line: new, expansion and reactivation above, contraction and
 * churn below, so that a month's bars span its gains and its losses.
 */
export function MovementsChart(props: { ctx: AdminContext; series: RevenueSeries }): JSX.Element {
  const { ctx, series } = props;
  const { t, f } = ctx;
  const months = series.months;
  const id = `movements-chart-${series.currency.toLowerCase()}`;
  const rising = (m: RevenueMonth) => RISING.reduce((sum, kind) => sum + m[kind], 0);
  const falling = (m: RevenueMonth) => FALLING.reduce((sum, kind) => sum - m[kind], 0);
  const axis = axisOf(Math.max(0, ...months.map(rising)), Math.max(0, ...months.map(falling)));
  const y = yOnAxis(axis);
  const slot = PLOT_WIDTH / months.length;
  const total = (kind: Kind) => months.reduce((sum, m) => sum + m[kind], 0);
  const title = t.movementsChartTitle(series.currency);
  const bars = (month: RevenueMonth, index: number, kinds: Kind[]) => {
    let base = 0;
    return kinds.map((kind) => {
      const amount = month[kind];
      const from = base;
      base += amount;
      if (amount === 0) return '';
      return (
        <rect
          x={px(PLOT.left + slot * index + slot * 0.2)}
          width={px(slot * 0.6)}
          y={px(Math.min(y(from), y(base)))}
          height={px(Math.abs(y(base) - y(from)))}
          class={`chart-bar series-${kind}`}
          data-period={month.period}
          data-series={kind}
          data-amount={String(amount)}
        >
          <title
            safe
          >{`${monthLabel(month.period, ctx.locale)}, ${t.movementKinds[kind] ?? kind}: ${f.money(amount, series.currency)}`}</title>
        </rect>
      );
    });
  };
  const kinds: Kind[] = [...RISING, ...FALLING];
  return (
    <figure>
      <ChartSvg
        id={id}
        title={title}
        description={t.movementsChartSummary(
          kinds
            .map((kind) => `${t.movementKinds[kind] ?? kind} ${f.money(total(kind), series.currency)}`)
            .join(', '),
        )}
      >
        <Frame axis={axis} months={months} currency={series.currency} ctx={ctx} />
        {months.map((month, index) => (
          <g>
            {bars(month, index, RISING)}
            {bars(month, index, FALLING)}
          </g>
        ))}
      </ChartSvg>
      <ul class="chart-legend">
        {kinds.map((kind) => (
          <li>
            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
              <rect width="12" height="12" class={`series-${kind}`} />
            </svg>{' '}
            <span safe>{t.movementKinds[kind] ?? kind}</span>
          </li>
        ))}
      </ul>
      <FiguresTable
        id={`${id}-table`}
        label={title}
        head={kinds.map((kind) => t.movementKinds[kind] ?? kind)}
        rows={months.map((m) => ({
          period: m.period,
          cells: kinds.map((kind) => ({ amount: m[kind], series: kind })),
        }))}
        currency={series.currency}
        ctx={ctx}
      />
    </figure>
  );
}
