import { Router } from 'express';
import type { ChartOfAccounts } from '../../books/accounting-settings';
import { resolveAccounts } from '../../books/accounts';
import { datevFilename, fiscalYearStart, renderDatevBuchungsstapel } from '../../books/datev';
import { journalEntries, type JournalEntry } from '../../books/journal';
import {
  loadLedgerDocuments,
  loadOpenInvoices,
  loadRevenueMovements,
  sellerOf,
  type RevenueDimensions,
} from '../../books/sources';
import type { Orm } from '../../db/orm.config';
import { ageReceivables, agingBucket, AGING_BUCKETS, daysPastDue } from '../../domain/receivables-aging';
import {
  invoicedThrough,
  recognizedByBucket,
  recognizedThrough,
  type CalendarDate,
  type RevenueMovement,
} from '../../domain/revenue-recognition';
import { money, toDecimalString } from '../../domain/money';
import { percentFromBp } from '../../documents/einvoice';
import { AppError } from '../errors';
import { defineFileRoute, defineRoute, type RouteRegistry } from '../route';
import {
  agingQuerySchema,
  agingResponseSchema,
  exportQuerySchema,
  journalResponseSchema,
  revenueDeferredQuerySchema,
  revenueDeferredResponseSchema,
  revenueRecognizedQuerySchema,
  revenueRecognizedResponseSchema,
  type AgingResponse,
  type JournalResponse,
  type RevenueDeferredResponse,
  type RevenueRecognizedResponse,
} from '../schemas/books';

/** Minor units as an exact decimal string for spreadsheets (`2261` EUR → `22.61`). */
const decimal = (amount: number, currency: string) => toDecimalString(money(amount, currency));

const percent = (rateBp: number) => percentFromBp(rateBp);

const dimensionKey = (d: RevenueDimensions) => `${d.currency}\u0000${d.productId ?? ''}\u0000${d.taxCountry}`;

const compareRows = (
  a: { currency: string; product_id: string | null; tax_country: string },
  b: { currency: string; product_id: string | null; tax_country: string },
) =>
  a.currency.localeCompare(b.currency) ||
  (a.product_id ?? '').localeCompare(b.product_id ?? '') ||
  a.tax_country.localeCompare(b.tax_country);

function serializeEntry(entry: JournalEntry): JournalResponse['data'][number] {
  return {
    date: entry.date,
    kind: entry.kind,
    document_number: entry.documentNumber,
    reference: entry.reference ?? null,
    document_id: entry.documentId,
    text: entry.text,
    debit_account: entry.debit,
    credit_account: entry.credit,
    amount: entry.amount,
    currency: entry.currency,
    customer_id: entry.customerId ?? null,
    tax_rate_bp: entry.tax?.rateBp ?? null,
    tax_amount: entry.tax?.amount ?? null,
    tax_account: entry.tax?.account ?? null,
    eu_destination: entry.euDestination ?? null,
    eu_rate_bp: entry.euRateBp ?? null,
  };
}

/**
 * Revenue recognition, the exports to accounting and the receivables report: read-only, computed from the recorded
 * documents on every request, so each figure can be reproduced from them.
 */
export function booksRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  async function movementsThrough(
    through: CalendarDate,
    currency: string | undefined,
  ): Promise<{ movements: (RevenueMovement & { dimensions: RevenueDimensions })[]; timeZone: string }> {
    const loaded = await loadRevenueMovements(orm.em.fork(), through);
    return {
      timeZone: loaded.timeZone,
      movements: currency
        ? loaded.movements.filter((movement) => movement.dimensions.currency === currency)
        : loaded.movements,
    };
  }

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/revenue/recognized',
      operationId: 'getRecognizedRevenue',
      summary: 'Revenue recognised per day, week or month, per product and tax country',
      description:
        'Net revenue (after discounts, without VAT) recognised on the days of `from`–`to` in the seller’s time zone: ' +
        'each invoice line straight-line per day over its service period (largest remainder, so a line’s days add up ' +
        'to its net exactly), one-off lines on the day the invoice was finalized, days before the invoice caught up ' +
        'on that day; credit notes, refunds no credit note covers and voids reverse lines pro rata. Test-clock ' +
        'customers are left out. `Accept: text/csv` answers CSV. See docs/accounting.md.',
      tag: 'Revenue',
      query: revenueRecognizedQuerySchema,
      response: revenueRecognizedResponseSchema,
      errors: [400, 404],
      csv: {
        filename: 'revenue-recognized',
        columns: ['period_start', 'currency', 'product_id', 'product_name', 'tax_country', 'amount'],
        records: (result: RevenueRecognizedResponse) =>
          result.data.map((row) => ({ ...row, amount: decimal(row.amount, row.currency) })),
      },
    },
    async ({ query }) => {
      const { movements, timeZone } = await movementsThrough(query.to, query.currency);
      const buckets = recognizedByBucket(movements, query.from, query.to, query.interval, dimensionKey);
      const data = [...buckets.values()]
        .filter((row) => row.amount !== 0)
        .map((row) => ({
          period_start: row.bucket,
          currency: row.dimensions.currency,
          product_id: row.dimensions.productId,
          product_name: row.dimensions.productName,
          tax_country: row.dimensions.taxCountry,
          amount: row.amount,
        }))
        .sort((a, b) => a.period_start.localeCompare(b.period_start) || compareRows(a, b));
      const totals = new Map<string, number>();
      for (const row of data) totals.set(row.currency, (totals.get(row.currency) ?? 0) + row.amount);
      return {
        object: 'revenue_recognized' as const,
        from: query.from,
        to: query.to,
        interval: query.interval,
        time_zone: timeZone,
        data,
        totals: [...totals]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, amount]) => ({ currency, amount })),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/revenue/deferred',
      operationId: 'getDeferredRevenue',
      summary: 'Deferred revenue: the balance still to be recognised at the end of a day',
      description:
        'Per currency, product and tax country: net booked by documents dated up to `at`, net recognised on days up ' +
        'to `at`, and their difference, the deferred balance. `Accept: text/csv` answers CSV.',
      tag: 'Revenue',
      query: revenueDeferredQuerySchema,
      response: revenueDeferredResponseSchema,
      errors: [400, 404],
      csv: {
        filename: 'revenue-deferred',
        columns: [
          'currency',
          'product_id',
          'product_name',
          'tax_country',
          'invoiced',
          'recognized',
          'deferred',
        ],
        records: (result: RevenueDeferredResponse) =>
          result.data.map((row) => ({
            ...row,
            invoiced: decimal(row.invoiced, row.currency),
            recognized: decimal(row.recognized, row.currency),
            deferred: decimal(row.deferred, row.currency),
          })),
      },
    },
    async ({ query }) => {
      const { movements, timeZone } = await movementsThrough(query.at, query.currency);
      const groups = new Map<string, { dimensions: RevenueDimensions; movements: RevenueMovement[] }>();
      for (const movement of movements) {
        const key = dimensionKey(movement.dimensions);
        const group = groups.get(key) ?? { dimensions: movement.dimensions, movements: [] };
        group.movements.push(movement);
        groups.set(key, group);
      }
      const data = [...groups.values()]
        .map(({ dimensions, movements: group }) => {
          const invoiced = invoicedThrough(group, query.at);
          const recognized = recognizedThrough(group, query.at);
          return {
            currency: dimensions.currency,
            product_id: dimensions.productId,
            product_name: dimensions.productName,
            tax_country: dimensions.taxCountry,
            invoiced,
            recognized,
            deferred: invoiced - recognized,
          };
        })
        .filter((row) => row.invoiced !== 0 || row.recognized !== 0)
        .sort(compareRows);
      const totals = new Map<string, { invoiced: number; recognized: number; deferred: number }>();
      for (const row of data) {
        const total = totals.get(row.currency) ?? { invoiced: 0, recognized: 0, deferred: 0 };
        total.invoiced += row.invoiced;
        total.recognized += row.recognized;
        total.deferred += row.deferred;
        totals.set(row.currency, total);
      }
      return {
        object: 'revenue_deferred' as const,
        at: query.at,
        time_zone: timeZone,
        data,
        totals: [...totals]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, total]) => ({ currency, ...total })),
      };
    },
  );

  async function journal(query: { from: string; to: string; chart?: ChartOfAccounts; currency?: string }) {
    const em = orm.em.fork();
    const seller = await sellerOf(em);
    const chart = query.chart ?? seller.accounting?.chart ?? 'skr03';
    const accounts = resolveAccounts(chart, seller.accounting?.accounts?.[chart]);
    const documents = await loadLedgerDocuments(em, {
      from: query.from,
      to: query.to,
      ...(query.currency ? { currency: query.currency } : {}),
      accountLength: seller.accounting?.datev?.accountLength ?? 4,
    });
    return { seller, chart, entries: journalEntries(documents, accounts) };
  }

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/exports/journal',
      operationId: 'exportJournal',
      summary: 'The journal of a period: every booking of invoices, credit notes, payments, refunds',
      description:
        'Double-entry bookings (debit account, credit account, positive amount) of the documents dated `from`–`to` ' +
        '(seller’s time zone), on the chart’s default accounts or the seller’s overrides; the same entries as the ' +
        'DATEV export, for other accounting software. Revenue on automatic accounts is booked gross, its VAT named ' +
        'in `tax_*`. `Accept: text/csv` answers CSV. See docs/accounting.md for the account mapping.',
      tag: 'Exports',
      query: exportQuerySchema,
      response: journalResponseSchema,
      errors: [400, 404, 422],
      csv: {
        filename: 'journal',
        columns: [
          'date',
          'kind',
          'document_number',
          'reference',
          'text',
          'debit_account',
          'credit_account',
          'amount',
          'currency',
          'tax_rate',
          'tax_amount',
          'tax_account',
          'eu_destination',
          'customer_id',
          'document_id',
        ],
        records: (result: JournalResponse) =>
          result.data.map((row) => ({
            ...row,
            amount: decimal(row.amount, row.currency),
            // A percentage for the reader (1900 bp → 19), exact: basis points are whole hundredths of a percent.
            tax_rate: row.tax_rate_bp === null ? null : percent(row.tax_rate_bp),
            tax_amount: row.tax_amount === null ? null : decimal(row.tax_amount, row.currency),
          })),
      },
    },
    async ({ query }) => {
      const { chart, entries } = await journal(query);
      return {
        object: 'journal' as const,
        from: query.from,
        to: query.to,
        chart,
        data: entries.map(serializeEntry),
      };
    },
  );

  defineFileRoute(
    router,
    registry,
    {
      path: '/exports/datev',
      operationId: 'exportDatev',
      summary: 'The bookings of a period as a DATEV Buchungsstapel (EXTF, version 700, format 13)',
      description:
        'The journal’s bookings in DATEV’s import format: Windows-1252, CR LF, semicolons, the header record with ' +
        'the consultant and client numbers, fiscal year start and account length of the accounting settings, the ' +
        '125 column names, one row per booking (amount with a decimal comma and S/H flag, account and contra ' +
        'account, document date, document number, text, EU fields for OSS and reverse charge). One currency (the ' +
        'seller’s unless `currency` is given) and one fiscal year per file. See docs/accounting.md.',
      tag: 'Exports',
      query: exportQuerySchema,
      errors: [400, 404, 409, 422],
      produces: ['text/csv; charset=windows-1252'],
    },
    async ({ query }) => {
      const em = orm.em.fork();
      const seller = await sellerOf(em);
      const datev = seller.accounting?.datev;
      if (datev?.consultantNumber === undefined || datev.clientNumber === undefined) {
        throw new AppError(
          'conflict',
          'datev_settings_missing',
          'A DATEV batch names the consultant and client numbers: set datev.consultant_number and ' +
            'datev.client_number with PUT /v1/settings/accounting',
        );
      }
      const startMonth = datev.fiscalYearStartMonth ?? 1;
      const fiscalYear = fiscalYearStart(query.from, startMonth);
      if (fiscalYearStart(query.to, startMonth) !== fiscalYear) {
        throw new AppError(
          'invalid_request_error',
          'range_spans_fiscal_years',
          'A DATEV batch lies within one fiscal year: export each year on its own',
          'to',
        );
      }
      const currency = query.currency ?? seller.defaultCurrency;
      const { chart, entries } = await journal({ ...query, currency });
      return {
        contentType: 'text/csv; charset=windows-1252',
        filename: datevFilename(query.from, query.to),
        disposition: 'attachment',
        body: renderDatevBuchungsstapel(
          {
            createdAt: new Date(),
            consultantNumber: datev.consultantNumber,
            clientNumber: datev.clientNumber,
            fiscalYearStart: fiscalYear,
            accountLength: datev.accountLength ?? 4,
            from: query.from,
            to: query.to,
            currency,
            chart,
          },
          entries,
        ),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/reports/receivables_aging',
      operationId: 'getReceivablesAging',
      summary: 'Open invoices by days past due (0–30, 31–60, 61–90, over 90), per customer',
      description:
        'What each live customer still owed at the end of `at` (seller’s time zone): invoices finalized by then ' +
        'and neither voided nor written off by then, less the payments completed by then, plus chargebacks by ' +
        'then; bucketed by whole days past the due date (an invoice not yet due counts 0 days). `Accept: text/csv` ' +
        'answers the per-customer rows as CSV.',
      tag: 'Reports',
      query: agingQuerySchema,
      response: agingResponseSchema,
      errors: [400, 404],
      csv: {
        filename: 'receivables-aging',
        columns: ['customer_id', 'customer_name', 'currency', ...AGING_BUCKETS, 'total', 'invoices'],
        records: (result: AgingResponse) =>
          result.data.map((row) => ({
            ...row,
            ...Object.fromEntries(
              AGING_BUCKETS.map((bucket) => [bucket, decimal(row[bucket], row.currency)]),
            ),
            total: decimal(row.total, row.currency),
          })),
      },
    },
    async ({ query }) => {
      const em = orm.em.fork();
      const timeZone = (await sellerOf(em)).timeZone;
      const open = await loadOpenInvoices(em, query.at);
      const names = new Map(open.map((item) => [item.customerId, item.customerName]));
      const rows = ageReceivables(open, query.at);
      const totals = new Map<string, Record<(typeof AGING_BUCKETS)[number] | 'total', number>>();
      for (const row of rows) {
        const total = totals.get(row.currency) ?? {
          days_0_30: 0,
          days_31_60: 0,
          days_61_90: 0,
          days_over_90: 0,
          total: 0,
        };
        for (const bucket of AGING_BUCKETS) total[bucket] += row[bucket];
        total.total += row.total;
        totals.set(row.currency, total);
      }
      return {
        object: 'receivables_aging' as const,
        at: query.at,
        time_zone: timeZone,
        data: rows.map((row) => ({
          customer_id: row.customerId,
          customer_name: names.get(row.customerId) ?? '',
          currency: row.currency,
          days_0_30: row.days_0_30,
          days_31_60: row.days_31_60,
          days_61_90: row.days_61_90,
          days_over_90: row.days_over_90,
          total: row.total,
          invoices: row.invoices,
        })),
        invoices: open.map((item) => {
          const days = daysPastDue(item.due, query.at);
          return {
            invoice_id: item.invoiceId,
            number: item.number,
            customer_id: item.customerId,
            currency: item.currency,
            due_date: item.due,
            days_past_due: days,
            bucket: agingBucket(days),
            outstanding: item.outstanding,
          };
        }),
        totals: [...totals]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, total]) => ({ currency, ...total })),
      };
    },
  );

  return router;
}
