import { formatRate } from '../../documents/format';
import type { InvoiceResponse } from '../../api/schemas/invoices';
import { Pager, Scroll, StatusTag } from '../../surfaces/views/components';
import type { PortalContext } from '../context';
import { PayNowForm } from './overview';
import { PortalShell } from './shell';

const lineText = (line: InvoiceResponse['lines'][number]): string =>
  line.quantity > 1 ? `${line.description} × ${line.quantity}` : line.description;

export function InvoiceListPage(props: {
  ctx: PortalContext;
  invoices: InvoiceResponse[];
  nextCursor: string | null;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  const finalized = (invoice: InvoiceResponse): string =>
    invoice.finalized_at ? f.date(invoice.finalized_at) : '';
  return (
    <PortalShell ctx={ctx} title={t.invoices} section="invoices" notice={props.notice}>
      <h1 safe>{t.invoices}</h1>
      {props.invoices.length === 0 ? (
        <p safe>{t.noInvoices}</p>
      ) : (
        <Scroll label={t.invoices}>
          <table>
            <thead>
              <tr>
                <th scope="col" safe>
                  {t.number}
                </th>
                <th scope="col" safe>
                  {t.date}
                </th>
                <th scope="col" safe>
                  {t.status}
                </th>
                <th scope="col" class="amount" safe>
                  {t.total}
                </th>
                <th scope="col" safe>
                  {t.download}
                </th>
              </tr>
            </thead>
            <tbody>
              {props.invoices.map((invoice) => (
                <tr>
                  <td>
                    <a href={`/portal/invoices/${invoice.id}`} safe>
                      {invoice.number ?? t.draftNumber}
                    </a>
                  </td>
                  <td safe>{finalized(invoice)}</td>
                  <td>
                    <StatusTag status={invoice.status} label={t.statuses[invoice.status] ?? invoice.status} />
                  </td>
                  <td class="amount" safe>
                    {f.money(invoice.total, invoice.currency)}
                  </td>
                  <td>
                    {invoice.number ? (
                      <a
                        href={`/portal/invoices/${invoice.id}/pdf`}
                        download=""
                        aria-label={`${t.download} ${t.invoice} ${invoice.number}`}
                        safe
                      >
                        {t.download}
                      </a>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <Pager
        next={props.nextCursor}
        label={t.nextPage}
        href={(cursor) => `/portal/invoices?starting_after=${encodeURIComponent(cursor)}`}
      />
    </PortalShell>
  );
}

/** Lines, taxes and totals of one invoice, as printed on its PDF; shared by the portal and the console. */
export function InvoiceBody(props: {
  invoice: InvoiceResponse;
  f: PortalContext['f'];
  labels: {
    lines: string;
    description: string;
    period: string;
    amount: string;
    tax: string;
    taxLine: (rate: string) => string;
    reverseCharge: string;
    creditApplied: string;
    total: string;
    amountDue: string;
    periodRange: (from: string, to: string) => string;
  };
}): JSX.Element {
  const { invoice, f, labels } = props;
  const money = (amount: number) => f.money(amount, invoice.currency);
  const rate = (bp: number) => formatRate(bp, f.locale);
  const servicePeriod = (line: InvoiceResponse['lines'][number]): string =>
    line.period_start && line.period_end
      ? labels.periodRange(f.date(line.period_start), f.date(line.period_end))
      : '';
  return (
    <Scroll label={labels.lines}>
      <table>
        <thead>
          <tr>
            <th scope="col" safe>
              {labels.description}
            </th>
            <th scope="col" safe>
              {labels.period}
            </th>
            <th scope="col" class="amount" safe>
              {labels.amount}
            </th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((line) => (
            <tr class="invoice-line">
              <td safe>{lineText(line)}</td>
              <td safe>{servicePeriod(line)}</td>
              <td class="amount" safe>
                {money(line.amount)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {invoice.taxes.map((tax) => (
            <tr>
              <th scope="row" colspan="2" safe>
                {tax.reverse_charge ? labels.reverseCharge : labels.taxLine(rate(tax.rate_bp))}
              </th>
              <td class="amount" safe>
                {money(tax.amount)}
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row" colspan="2" safe>
              {labels.total}
            </th>
            <td class="amount" safe>
              {money(invoice.total)}
            </td>
          </tr>
          {invoice.credit_applied > 0 ? (
            <tr>
              <th scope="row" colspan="2" safe>
                {labels.creditApplied}
              </th>
              <td class="amount" safe>
                {money(-invoice.credit_applied)}
              </td>
            </tr>
          ) : (
            ''
          )}
          <tr>
            <th scope="row" colspan="2" safe>
              {labels.amountDue}
            </th>
            <td class="amount" safe>
              {money(invoice.amount_due)}
            </td>
          </tr>
        </tfoot>
      </table>
    </Scroll>
  );
}

export function InvoicePage(props: {
  ctx: PortalContext;
  invoice: InvoiceResponse;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}): JSX.Element {
  const { ctx, invoice } = props;
  const { t, f } = ctx;
  const number = invoice.number ?? t.draftNumber;
  const finalized = invoice.finalized_at ? f.date(invoice.finalized_at) : '';
  return (
    <PortalShell ctx={ctx} title={`${t.invoice} ${number}`} section="invoices" notice={props.notice}>
      <hgroup>
        <h1 safe>{`${t.invoice} ${number}`}</h1>
        <p>
          <StatusTag status={invoice.status} label={t.statuses[invoice.status] ?? invoice.status} />{' '}
          <span safe>{finalized}</span>
        </p>
      </hgroup>
      <InvoiceBody invoice={invoice} f={f} labels={t} />
      <div class="inline-forms">
        {invoice.number ? (
          <a href={`/portal/invoices/${invoice.id}/pdf`} role="button" class="secondary" download="" safe>
            {t.downloadPdf(invoice.number)}
          </a>
        ) : (
          ''
        )}
        {invoice.status === 'open' && invoice.amount_due > 0 ? (
          <PayNowForm ctx={ctx} invoice={invoice} />
        ) : (
          ''
        )}
      </div>
    </PortalShell>
  );
}
