import type { InvoiceResponse } from '../../api/schemas/invoices';
import type { PaymentMethodResponse } from '../../api/schemas/customers';
import { itemsText, type SubscriptionView } from '../../surfaces/subscription-actions';
import { Csrf, StatusTag } from '../../surfaces/views/components';
import type { PortalContext } from '../context';
import { PortalShell } from './shell';

export function SubscriptionFacts(props: {
  ctx: PortalContext;
  subscription: SubscriptionView;
}): JSX.Element {
  const { t, f } = props.ctx;
  const s = props.subscription;
  const facts: [string, string][] = [
    [t.plan, `${s.planName} × ${s.quantity}`],
    ...(s.items.length > 1 ? [[t.addOns, itemsText(s.items.slice(1))] as [string, string]] : []),
    [t.currentPeriod, t.periodRange(f.date(s.currentPeriodStart), f.date(s.currentPeriodEnd))],
    [
      t.nextInvoice,
      s.nextInvoice
        ? t.nextInvoiceValue(f.date(s.nextInvoice.at), f.money(s.nextInvoice.amount, s.currency))
        : t.noNextInvoice,
    ],
  ];
  const notes: string[] = [];
  if (s.status === 'trialing' && s.trialEnd) notes.push(t.trialEnds(f.date(s.trialEnd)));
  if (s.scheduledChange) {
    notes.push(t.scheduledChange(itemsText(s.scheduledChange.items), f.date(s.currentPeriodEnd)));
  }
  if (s.cancelAtPeriodEnd) notes.push(t.endsOn(f.date(s.currentPeriodEnd)));
  if (s.pause) {
    notes.push(
      t.pausedSince(f.date(s.pause.since)) +
        (s.pause.resumesAt ? `, ${t.resumesOn(f.date(s.pause.resumesAt))}` : ''),
    );
  }
  if (s.pauseAtPeriodEnd) notes.push(t.pausesAtPeriodEnd(f.date(s.currentPeriodEnd)));
  return (
    <>
      <dl>
        {facts.map(([term, value]) => (
          <>
            <dt safe>{term}</dt>
            <dd safe>{value}</dd>
          </>
        ))}
      </dl>
      {notes.map((note) => (
        <p safe>{note}</p>
      ))}
      {s.pastDue ? (
        <p role="alert" class="field-error">
          <strong safe>{t.paymentFailedTitle}</strong>{' '}
          <span safe>
            {t.paymentFailedText(
              s.pastDue.failedAttempts,
              s.pastDue.nextRetryAt ? f.date(s.pastDue.nextRetryAt) : null,
            )}
          </span>
        </p>
      ) : (
        ''
      )}
    </>
  );
}

export function PayNowForm(props: { ctx: PortalContext; invoice: InvoiceResponse }): JSX.Element {
  return (
    <form method="post" action={`/portal/invoices/${props.invoice.id}/pay`}>
      <Csrf token={props.ctx.csrf} />
      <button type="submit" safe>
        {`${props.ctx.t.payNow}: ${props.ctx.f.money(props.invoice.amount_due, props.invoice.currency)}`}
      </button>
    </form>
  );
}

export function OverviewPage(props: {
  ctx: PortalContext;
  subscriptions: SubscriptionView[];
  openInvoices: InvoiceResponse[];
  paymentMethods: PaymentMethodResponse[];
  notice?: { kind: 'success' | 'error'; text: string } | null;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  const preferred = props.paymentMethods.find((method) => method.default) ?? props.paymentMethods[0];
  const pastDue = props.subscriptions.some((s) => s.pastDue !== null || s.status === 'unpaid');
  return (
    <PortalShell ctx={ctx} title={t.overview} section="overview" notice={props.notice}>
      <hgroup>
        <h1 safe>{t.yourAccount}</h1>
        <p safe>{`${ctx.customer.name} · ${ctx.customer.email}`}</p>
      </hgroup>
      {pastDue ? (
        <article class="notice notice-error">
          <h2 safe>{t.paymentFailedTitle}</h2>
          <p>
            <a href="/portal/payment-method" role="button" safe>
              {t.updatePaymentMethod}
            </a>
          </p>
        </article>
      ) : (
        ''
      )}
      <section>
        <h2 safe>{t.subscriptions}</h2>
        {props.subscriptions.length === 0 ? <p safe>{t.noSubscriptions}</p> : ''}
        {props.subscriptions.map((subscription) => (
          <article>
            <header>
              <strong safe>{subscription.planName}</strong>{' '}
              <StatusTag
                status={subscription.status}
                label={t.statuses[subscription.status] ?? subscription.status}
              />
            </header>
            <SubscriptionFacts ctx={ctx} subscription={subscription} />
            <footer>
              <a href={`/portal/subscriptions/${subscription.id}`} safe>
                {`${t.manage}: ${subscription.planName}`}
              </a>
            </footer>
          </article>
        ))}
      </section>
      <section>
        <h2 safe>{t.openInvoices}</h2>
        {props.openInvoices.length === 0 ? <p safe>{t.noOpenInvoices}</p> : ''}
        {props.openInvoices.map((invoice) => (
          <article>
            <p>
              <a href={`/portal/invoices/${invoice.id}`} safe>
                {`${t.invoice} ${invoice.number ?? t.draftNumber}`}
              </a>{' '}
              <span safe>{f.money(invoice.amount_due, invoice.currency)}</span>
            </p>
            <PayNowForm ctx={ctx} invoice={invoice} />
          </article>
        ))}
      </section>
      <section>
        <h2 safe>{t.paymentMethod}</h2>
        <p safe>
          {preferred && preferred.brand && preferred.last4
            ? t.card(preferred.brand, preferred.last4)
            : t.noPaymentMethods}
        </p>
        <p>
          <a href="/portal/payment-method" safe>
            {t.updatePaymentMethod}
          </a>
        </p>
      </section>
    </PortalShell>
  );
}
