import type { CustomerResponse, PaymentMethodResponse } from '../../api/schemas/customers';
import type { InvoiceResponse } from '../../api/schemas/invoices';
import type { PaymentResponse } from '../../api/schemas/payments';
import type { SubscriptionView } from '../../surfaces/subscription-actions';
import { StatusTag } from '../../surfaces/views/components';
import type { AdminContext } from '../context';
import { type EventRow, eventHead, eventRows } from './dashboard';
import { AdminShell, DataTable, Facts, linkTo, markup, text } from './shell';

export function CustomersPage(props: {
  ctx: AdminContext;
  customers: CustomerResponse[];
  search: string;
  next: string | null;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  return (
    <AdminShell ctx={ctx} title={t.customers} section="customers">
      <h1 safe>{t.customers}</h1>
      <form method="get" action="/admin/customers" role="search">
        <label>
          <span safe>{t.searchCustomers}</span>
          <input
            type="search"
            name="search"
            value={props.search}
            hx-get="/admin/customers"
            hx-trigger="input changed delay:300ms, search"
            hx-target="#customer-results"
            hx-select="#customer-results"
            hx-swap="outerHTML"
          />
        </label>
        <button type="submit" class="secondary" safe>
          {t.search}
        </button>
      </form>
      <div id="customer-results">
        <DataTable
          label={t.customers}
          head={[{ label: t.name }, { label: t.email }, { label: t.country }, { label: t.created }]}
          rows={props.customers.map((customer) => [
            linkTo(`/admin/customers/${customer.id}`, customer.name),
            text(customer.email),
            text(customer.country),
            text(f.date(customer.created_at)),
          ])}
          empty={t.noCustomers}
        />
        {props.next ? (
          <a
            role="button"
            class="secondary"
            href={`/admin/customers?search=${encodeURIComponent(props.search)}&starting_after=${encodeURIComponent(props.next)}`}
            safe
          >
            {t.nextPage}
          </a>
        ) : (
          ''
        )}
      </div>
    </AdminShell>
  );
}

export function subscriptionRows(ctx: AdminContext, subscriptions: SubscriptionView[]): JSX.Element[][] {
  const { t, f } = ctx;
  return subscriptions.map((s) => [
    linkTo(`/admin/subscriptions/${s.id}`, s.id),
    text(`${s.planName} × ${s.quantity}`),
    <StatusTag status={s.status} label={t.statuses[s.status] ?? s.status} />,
    text(t.periodRange(f.date(s.currentPeriodStart), f.date(s.currentPeriodEnd))),
  ]);
}

export function invoiceRows(ctx: AdminContext, invoices: InvoiceResponse[]): JSX.Element[][] {
  const { t, f } = ctx;
  return invoices.map((invoice) => [
    linkTo(`/admin/invoices/${invoice.id}`, invoice.number ?? invoice.id),
    <StatusTag status={invoice.status} label={t.statuses[invoice.status] ?? invoice.status} />,
    text(invoice.finalized_at ? f.date(invoice.finalized_at) : ''),
    text(f.money(invoice.total, invoice.currency)),
  ]);
}

export function invoiceHead(ctx: AdminContext) {
  const { t } = ctx;
  return [{ label: t.number }, { label: t.status }, { label: t.date }, { label: t.total, amount: true }];
}

export function paymentRows(ctx: AdminContext, payments: PaymentResponse[]): JSX.Element[][] {
  const { t, f } = ctx;
  return payments.map((payment) => [
    text(f.dateTime(payment.created_at)),
    linkTo(`/admin/invoices/${payment.invoice_id}`, payment.invoice_id),
    text(payment.attempt),
    <StatusTag status={payment.status} label={t.statuses[payment.status] ?? payment.status} />,
    text(payment.outcome?.failure_message ?? payment.outcome?.failure_code ?? ''),
    text(f.money(payment.amount, payment.currency)),
  ]);
}

export function paymentHead(ctx: AdminContext) {
  const { t } = ctx;
  return [
    { label: t.date },
    { label: t.invoice },
    { label: t.attempt },
    { label: t.status },
    { label: t.outcome },
    { label: t.amount, amount: true },
  ];
}

export function CustomerPage(props: {
  ctx: AdminContext;
  customer: CustomerResponse;
  subscriptions: SubscriptionView[];
  invoices: InvoiceResponse[];
  payments: PaymentResponse[];
  methods: PaymentMethodResponse[];
  events: EventRow[];
}): JSX.Element {
  const { ctx, customer } = props;
  const { t, f } = ctx;
  const address = customer.address
    ? [
        customer.address.line1,
        customer.address.line2,
        `${customer.address.postal_code} ${customer.address.city}`,
        customer.address.country,
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  return (
    <AdminShell ctx={ctx} title={customer.name} section="customers">
      <hgroup>
        <h1 safe>{customer.name}</h1>
        <p safe>{`${customer.email} · ${customer.id}`}</p>
      </hgroup>
      <Facts
        facts={[
          [t.country, customer.country],
          [t.locale, t.languages[customer.locale] ?? customer.locale],
          [t.vatId, customer.vat_id ?? '—'],
          [t.address, address || '—'],
          [t.balance, customer.balance_currency ? f.money(customer.balance, customer.balance_currency) : '—'],
          [
            t.testClock,
            customer.test_clock_id
              ? markup(linkTo(`/admin/test-clocks/${customer.test_clock_id}`, customer.test_clock_id))
              : '—',
          ],
        ]}
      />
      <section>
        <h2 safe>{t.subscriptions}</h2>
        <DataTable
          label={t.subscriptions}
          head={[{ label: t.id }, { label: t.plan }, { label: t.status }, { label: t.currentPeriod }]}
          rows={subscriptionRows(ctx, props.subscriptions)}
          empty={t.none}
        />
      </section>
      <section>
        <h2 safe>{t.invoices}</h2>
        <DataTable
          label={t.invoices}
          head={invoiceHead(ctx)}
          rows={invoiceRows(ctx, props.invoices)}
          empty={t.none}
        />
        <a href={`/admin/invoices?customer_id=${customer.id}`} safe>
          {t.invoices}
        </a>
      </section>
      <section>
        <h2 safe>{t.payments}</h2>
        <DataTable
          label={t.payments}
          head={paymentHead(ctx)}
          rows={paymentRows(ctx, props.payments)}
          empty={t.none}
        />
      </section>
      <section>
        <h2 safe>{t.paymentMethods}</h2>
        <ul>
          {props.methods.map((method) => (
            <li safe>
              {`${method.brand && method.last4 ? t.card(method.brand, method.last4) : method.id} (${method.gateway})${method.default ? ` · ${t.defaultMethod}` : ''}`}
            </li>
          ))}
        </ul>
        {props.methods.length === 0 ? <p safe>{t.none}</p> : ''}
      </section>
      <section>
        <h2 safe>{t.timeline}</h2>
        <DataTable
          label={t.timeline}
          head={eventHead(ctx)}
          rows={eventRows(ctx, props.events)}
          empty={t.none}
        />
        <a href={`/admin/events?customer_id=${customer.id}`} safe>
          {t.events}
        </a>
      </section>
    </AdminShell>
  );
}
