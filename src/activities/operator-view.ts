import type { EntityManager } from '@mikro-orm/postgresql';
import { Customer, SellerSettings } from '../db/entities';
import { formatAmount, formatDate, type DocumentLocale } from '../documents/format';
import { multiplyByRatio, money } from '../domain/money';
import { taxRateFor } from '../domain/tax';
import { nextMoment, type SubscriptionState } from '../workflows/lifecycle/state';
import { pricesOf, taxAndCredit } from './invoice-drafts';
import type { OperatorView } from './lifecycle.contract';

/** The words of the operator view in the seller's language; amounts and dates go through `Intl`. */
const WORDS = {
  en: {
    status: {
      trialing: 'trialing',
      active: 'active',
      past_due: 'past due',
      paused: 'paused',
      unpaid: 'unpaid',
      incomplete: 'incomplete',
      incomplete_expired: 'expired',
      canceled: 'canceled',
    },
    per: { day: 'day', week: 'week', month: 'month', year: 'year' },
    every: (count: number, unit: string) => (count === 1 ? `per ${unit}` : `every ${count} ${unit}s`),
    charge: (amount: string, on: string) => `next: charge ${amount} on ${on}`,
    trialEnds: (on: string, amount: string) => `trial ends on ${on}, then ${amount}`,
    retry: (attempt: number, of: number, on: string) => `past due: retry ${attempt} of ${of} on ${on}`,
    reminderOnly: (code: string, on: string) =>
      `past due: card declined for good (${code}), waits for a new card; next reminder on ${on}`,
    waitsForCard: (code: string) => `past due: card declined for good (${code}), waits for a new card`,
    unpaid: (invoice: string) => `unpaid: waits for invoice ${invoice} to be paid`,
    paused: (since: string, until: string | null) => `paused since ${since}${until ? ` until ${until}` : ''}`,
    canceled: (on: string, reason: string | null) => `canceled on ${on}${reason ? ` because ${reason}` : ''}`,
    cancels: (on: string) => `cancels on ${on}`,
    expires: (on: string) => `first charge declined: expires on ${on} unless paid`,
    attention: (code: string, since: string) =>
      `needs attention since ${since}: ${code} (fix, then POST …/retry)`,
    changes: (on: string, names: string) => `changes on ${on} to ${names}`,
    period: (from: string, to: string) => `period ${from} – ${to}`,
  },
  de: {
    status: {
      trialing: 'Testphase',
      active: 'aktiv',
      past_due: 'überfällig',
      paused: 'pausiert',
      unpaid: 'unbezahlt',
      incomplete: 'unvollständig',
      incomplete_expired: 'verfallen',
      canceled: 'gekündigt',
    },
    per: { day: 'Tag', week: 'Woche', month: 'Monat', year: 'Jahr' },
    every: (count: number, unit: string) => (count === 1 ? `pro ${unit}` : `alle ${count} ${unit}e`),
    charge: (amount: string, on: string) => `nächste Abbuchung: ${amount} am ${on}`,
    trialEnds: (on: string, amount: string) => `Testphase endet am ${on}, dann ${amount}`,
    retry: (attempt: number, of: number, on: string) => `überfällig: Versuch ${attempt} von ${of} am ${on}`,
    reminderOnly: (code: string, on: string) =>
      `überfällig: Karte endgültig abgelehnt (${code}), wartet auf eine neue Karte; nächste Erinnerung am ${on}`,
    waitsForCard: (code: string) =>
      `überfällig: Karte endgültig abgelehnt (${code}), wartet auf eine neue Karte`,
    unpaid: (invoice: string) => `unbezahlt: wartet auf die Zahlung von Rechnung ${invoice}`,
    paused: (since: string, until: string | null) => `pausiert seit ${since}${until ? ` bis ${until}` : ''}`,
    canceled: (on: string, reason: string | null) =>
      `gekündigt am ${on}${reason ? ` (Grund: ${reason})` : ''}`,
    cancels: (on: string) => `endet am ${on}`,
    expires: (on: string) => `erste Abbuchung abgelehnt: verfällt am ${on}, falls nicht bezahlt`,
    attention: (code: string, since: string) =>
      `braucht Aufmerksamkeit seit ${since}: ${code} (beheben, dann POST …/retry)`,
    changes: (on: string, names: string) => `wechselt am ${on} zu ${names}`,
    period: (from: string, to: string) => `Zeitraum ${from} – ${to}`,
  },
} as const;

/**
 * What an operator reads about a subscription in the Temporal Web UI, in the seller's language: who it is, what it
 * costs (with tax, as the next invoice will charge it before discounts and credit), and what it waits for, with
 * dates as dates in the subscription's time zone. Computed in the commit, where the database is at hand, so the
 * workflow carries no names.
 */
export async function operatorView(em: EntityManager, state: SubscriptionState): Promise<OperatorView> {
  const [customer, seller] = await Promise.all([
    em.findOne(Customer, state.customerId),
    em.findOne(SellerSettings, 1),
  ]);
  const locale: DocumentLocale = seller?.notificationLocale === 'de' ? 'de' : 'en';
  const dunningRetries = seller?.dunningPolicy.retryOffsetsDays.length ?? 4;
  const words = WORDS[locale];
  const date = (iso: string) => formatDate(iso, locale, state.timeZone);
  const amount = (minor: number) => formatAmount(minor, state.currency, locale);
  const licensed = state.items.filter((item) => !item.metered);
  const gross = await grossPeriodAmount(em, state).catch(() => null);
  const price = gross === null ? amount(licensed.reduce((sum, item) => sum + item.amount, 0)) : amount(gross);
  const every = words.every(state.interval.count, words.per[state.interval.unit]);
  const items = state.items
    .map((item) => (item.quantity === 1 ? item.name : `${item.name} × ${item.quantity}`))
    .join(' + ');
  const who = customer ? `${customer.name} <${customer.email}>` : state.customerId;
  const status = words.status[state.status];

  const lines = [`**${status}** · ${who}`, `${items} · ${price} ${every}`];
  const next = nextMoment(state);
  if (state.attention) lines.push(`⚠ ${words.attention(state.attention.code, date(state.attention.since))}`);
  else if (state.status === 'canceled' || state.status === 'incomplete_expired') {
    lines.push(words.canceled(date(state.canceledAt ?? state.period.start), state.cancelReason));
  } else if (state.status === 'paused' && state.pause) {
    lines.push(
      words.paused(date(state.pause.since), state.pause.resumesAt ? date(state.pause.resumesAt) : null),
    );
  } else if (state.status === 'unpaid' && state.dunning) {
    lines.push(words.unpaid(state.dunning.invoiceId));
  } else if (state.status === 'incomplete' && state.incompleteExpiresAt) {
    lines.push(words.expires(date(state.incompleteExpiresAt)));
  } else if (state.dunning) {
    const retryAt = state.dunning.nextRetryAt;
    if (state.dunning.hardDecline) {
      lines.push(
        retryAt
          ? words.reminderOnly(state.dunning.hardDecline, date(retryAt))
          : words.waitsForCard(state.dunning.hardDecline),
      );
    } else if (retryAt) {
      lines.push(words.retry(state.dunning.failedAttempts + 1, dunningRetries + 1, date(retryAt)));
    }
  } else if (state.status === 'trialing' && state.trialEnd) {
    lines.push(words.trialEnds(date(state.trialEnd), price));
  } else if (next && !state.cancelAtPeriodEnd) {
    lines.push(words.charge(price, date(state.period.end)));
  }
  if (state.cancelAtPeriodEnd) lines.push(words.cancels(date(state.period.end)));
  if (state.scheduledChange) {
    lines.push(
      words.changes(date(state.period.end), state.scheduledChange.items.map((item) => item.name).join(' + ')),
    );
  }
  lines.push(words.period(date(state.period.start), date(state.period.end)));
  return {
    summary: `${who} · ${items} · ${price} ${every}`,
    details: lines.join('  \n'),
  };
}

/** The licensed items' amounts with the customer's tax at their categories' rates (inclusive prices already hold it). */
async function grossPeriodAmount(em: EntityManager, state: SubscriptionState): Promise<number> {
  const licensed = state.items.filter((item) => !item.metered);
  if (licensed.length === 0) return 0;
  const [prices, { tax }] = await Promise.all([
    pricesOf(em, licensed, state.currency),
    taxAndCredit(em, state.customerId, state.currency, state.period.end),
  ]);
  return licensed.reduce((sum, item) => {
    if (item.taxInclusive) return sum + item.amount;
    const rate = taxRateFor(tax, prices.get(item.planId)?.plan.product.taxCategory ?? 'standard');
    return sum + item.amount + multiplyByRatio(money(item.amount, state.currency), rate, 10_000).amount;
  }, 0);
}
