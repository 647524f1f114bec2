import type { CreditNoteResponse } from '../../api/schemas/credit-notes';
import type { InvoiceResponse } from '../../api/schemas/invoices';
import type { PaymentResponse } from '../../api/schemas/payments';
import { InvoiceBody } from '../../portal/pages/invoices';
import type { ApiError } from '../../surfaces/api-client';
import { Csrf, errorFor, FormError, Input, Select, StatusTag } from '../../surfaces/views/components';
import type { AdminContext } from '../context';
import { invoiceHead, invoiceRows, paymentHead, paymentRows } from './customers';
import { AdminShell, DataTable, Facts, linkTo, markup, text, type Notice } from './shell';

export interface InvoiceFilter {
  status: string;
  from: string;
  to: string;
  customerId: string;
}

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void', 'uncollectible'];

export function InvoicesPage(props: {
  ctx: AdminContext;
  invoices: InvoiceResponse[];
  filter: InvoiceFilter;
  next: string | null;
  error?: ApiError | null;
}): JSX.Element {
  const { ctx, filter } = props;
  const { t } = ctx;
  const query = (cursor: string) =>
    `/admin/invoices?${new URLSearchParams({
      status: filter.status,
      from: filter.from,
      to: filter.to,
      customer_id: filter.customerId,
      starting_after: cursor,
    }).toString()}`;
  return (
    <AdminShell ctx={ctx} title={t.invoices} section="invoices">
      <h1 safe>{t.invoices}</h1>
      <form method="get" action="/admin/invoices">
        <FormError error={props.error} fields={[]} />
        <div class="grid">
          <Select
            name="status"
            label={t.status}
            value={filter.status}
            options={[
              { value: '', label: t.allStatuses },
              ...INVOICE_STATUSES.map((status) => ({ value: status, label: t.statuses[status] ?? status })),
            ]}
          />
          <Input name="from" type="date" label={t.from} value={filter.from} />
          <Input name="to" type="date" label={t.to} value={filter.to} />
        </div>
        {filter.customerId ? <input type="hidden" name="customer_id" value={filter.customerId} /> : ''}
        <button type="submit" class="secondary" safe>
          {t.filter}
        </button>
      </form>
      <DataTable
        label={t.invoices}
        head={[...invoiceHead(ctx), { label: t.customer }]}
        rows={invoiceRows(ctx, props.invoices).map((cells, index) => [
          ...cells,
          linkTo(
            `/admin/customers/${props.invoices[index]?.customer_id ?? ''}`,
            props.invoices[index]?.customer_id ?? '',
          ),
        ])}
        empty={t.none}
      />
      {props.next ? (
        <a role="button" class="secondary" href={query(props.next)} safe>
          {t.nextPage}
        </a>
      ) : (
        ''
      )}
    </AdminShell>
  );
}

export function InvoicePage(props: {
  ctx: AdminContext;
  invoice: InvoiceResponse;
  payments: PaymentResponse[];
  creditNotes: CreditNoteResponse[];
  error?: { form: 'void' | 'pay' | 'credit'; error: ApiError } | null;
  creditForm?: Record<string, string>;
  notice?: Notice;
}): JSX.Element {
  const { ctx, invoice } = props;
  const { t, f } = ctx;
  const base = `/admin/invoices/${invoice.id}`;
  const errorOf = (form: 'void' | 'pay' | 'credit') =>
    props.error?.form === form ? props.error.error : null;
  const admin = ctx.user.role === 'admin';
  const creditError = errorOf('credit');
  return (
    <AdminShell
      ctx={ctx}
      title={`${t.invoice} ${invoice.number ?? invoice.id}`}
      section="invoices"
      notice={props.notice}
    >
      <hgroup>
        <h1 safe>{`${t.invoice} ${invoice.number ?? invoice.id}`}</h1>
        <p>
          <StatusTag status={invoice.status} label={t.statuses[invoice.status] ?? invoice.status} />
        </p>
      </hgroup>
      <Facts
        facts={[
          [t.customer, markup(linkTo(`/admin/customers/${invoice.customer_id}`, invoice.customer_id))],
          [
            t.subscription,
            invoice.subscription_id
              ? markup(linkTo(`/admin/subscriptions/${invoice.subscription_id}`, invoice.subscription_id))
              : '—',
          ],
          [t.date, invoice.finalized_at ? f.dateTime(invoice.finalized_at) : '—'],
          [t.amountDue, f.money(invoice.amount_due, invoice.currency)],
        ]}
      />
      <InvoiceBody invoice={invoice} f={f} labels={{ ...t, amount: t.amount, amountDue: t.amountDue }} />
      <div class="inline-forms">
        {invoice.number ? (
          <a href={`${base}/pdf`} role="button" class="secondary" download="" safe>
            {t.pdf}
          </a>
        ) : (
          ''
        )}
        {admin && invoice.status === 'open' ? (
          <>
            <form method="post" action={`${base}/pay`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('pay')} fields={[]} />
              <button type="submit" safe>
                {t.payNow}
              </button>
            </form>
            <form method="post" action={`${base}/void`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('void')} fields={[]} />
              <button type="submit" class="secondary" safe>
                {t.void}
              </button>
            </form>
          </>
        ) : (
          ''
        )}
      </div>
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
        <h2 safe>{t.creditNotes}</h2>
        <DataTable
          label={t.creditNotes}
          head={[
            { label: t.date },
            { label: t.reason },
            { label: t.creditOutcome },
            { label: t.amount, amount: true },
          ]}
          rows={props.creditNotes.map((note) => [
            text(f.dateTime(note.created_at)),
            text(note.reason),
            text(t.creditOutcomes[note.outcome] ?? note.outcome),
            text(f.money(note.amount, note.currency)),
          ])}
          empty={t.none}
        />
        {admin && invoice.status === 'paid' ? (
          <details open={creditError ? true : undefined}>
            <summary safe>{t.createCreditNote}</summary>
            <form method="post" action={`${base}/credit_notes`}>
              <Csrf token={ctx.csrf} />
              <FormError error={creditError} fields={['amount', 'reason', 'outcome']} />
              <Input
                name="amount"
                type="number"
                label={t.amountMinor(invoice.currency)}
                value={props.creditForm?.amount}
                min={1}
                required
                error={errorFor(creditError, 'amount')}
              />
              <Input
                name="reason"
                label={t.reason}
                value={props.creditForm?.reason}
                required
                maxlength={500}
                error={errorFor(creditError, 'reason')}
              />
              <Select
                name="outcome"
                label={t.creditOutcome}
                value={props.creditForm?.outcome ?? 'credit_balance'}
                error={errorFor(creditError, 'outcome')}
                options={['credit_balance', 'refund', 'none'].map((value) => ({
                  value,
                  label: t.creditOutcomes[value] ?? value,
                }))}
              />
              <button type="submit" safe>
                {t.createCreditNote}
              </button>
            </form>
          </details>
        ) : (
          ''
        )}
      </section>
    </AdminShell>
  );
}
