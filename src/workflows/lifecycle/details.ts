import { licensedAmount, type Moment, type SubscriptionState } from './state';

const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');

/** Minor units as a decimal string without floating point (2 decimals; a display for operators, not for invoices). */
function amount(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)} ${currency}`;
}

const nextWords: Record<Moment['kind'], string> = {
  trial_reminder: 'trial reminder',
  trial_end: 'trial ends, first charge',
  renewal_reminder: 'renewal reminder',
  period_end: 'renewal',
  dunning_retry: 'payment retry',
  incomplete_expiry: 'expires unless paid',
  resume: 'resumes',
};

/**
 * The current details the Temporal Web UI shows on the subscription's workflow: what it is, what it costs, and what
 * it waits for, in plain words (markdown). Recomputed on every transition.
 */
export function describeForOperators(state: SubscriptionState, next: Moment | null): string {
  const items = state.items
    .map((item) => `${item.name} × ${item.quantity}${item.metered ? ' (metered)' : ''}`)
    .join(' + ');
  const every =
    state.interval.count === 1 ? state.interval.unit : `${state.interval.count} ${state.interval.unit}s`;
  const lines = [
    `**${state.status}** · ${items} · ${amount(licensedAmount(state.items), state.currency)} per ${every}`,
    `period ${day(state.period.start)} → ${day(state.period.end)}`,
  ];
  if (state.attention)
    lines.push(`⚠ needs attention since ${day(state.attention.since)}: ${state.attention.code}`);
  if (state.dunning) {
    lines.push(
      `past due: invoice ${state.dunning.invoiceId}, ${state.dunning.failedAttempts} failed attempt(s)` +
        (state.dunning.hardDecline
          ? `, card declined (${state.dunning.hardDecline}): waits for a new card`
          : ''),
    );
  }
  if (state.pause) lines.push(`paused since ${day(state.pause.since)} until ${day(state.pause.resumesAt)}`);
  if (state.cancelAtPeriodEnd) lines.push(`cancels on ${day(state.period.end)}`);
  if (state.canceledAt)
    lines.push(`canceled on ${day(state.canceledAt)}${state.cancelReason ? ` (${state.cancelReason})` : ''}`);
  if (state.scheduledChange)
    lines.push(
      `changes at period end to ${state.scheduledChange.items.map((item) => item.name).join(' + ')}`,
    );
  if (next) lines.push(`next: ${nextWords[next.kind]} on ${day(next.at)}`);
  return lines.join('\n\n');
}
