import type { SettingsResponse } from '../../api/schemas/settings';
import type { TestClockResponse } from '../../api/schemas/test-clocks';
import type { WebhookDeliveryResponse, WebhookEndpointResponse } from '../../api/schemas/webhooks';
import type { CustomerResponse } from '../../api/schemas/customers';
import type { ApiError } from '../../surfaces/api-client';
import type { SubscriptionView } from '../../surfaces/subscription-actions';
import { Csrf, errorFor, FormError, Input, Select, StatusTag } from '../../surfaces/views/components';
import type { AdminContext } from '../context';
import { formatPercent, percentInputOf } from '../settings-form';
import { AdminShell, DataTable, linkTo, text, type Notice } from './shell';

export function DunningPage(props: {
  ctx: AdminContext;
  pastDue: SubscriptionView[];
  unpaid: SubscriptionView[];
  nextPastDue: string | null;
  nextUnpaid: string | null;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  const rows = (subscriptions: SubscriptionView[]) =>
    subscriptions.map((s) => [
      linkTo(`/admin/subscriptions/${s.id}`, s.id),
      linkTo(`/admin/customers/${s.customerId}`, s.customerId),
      <StatusTag status={s.status} label={t.statuses[s.status] ?? s.status} />,
      text(s.pastDue?.failedAttempts ?? '—'),
      text(s.pastDue?.nextRetryAt ? f.dateTime(s.pastDue.nextRetryAt) : '—'),
      s.pastDue ? linkTo(`/admin/invoices/${s.pastDue.invoiceId}`, s.pastDue.invoiceId) : text('—'),
    ]);
  const head = [
    { label: t.subscription },
    { label: t.customer },
    { label: t.status },
    { label: t.failedAttempts },
    { label: t.nextRetry },
    { label: t.invoice },
  ];
  return (
    <AdminShell ctx={ctx} title={t.dunningQueue} section="dunning">
      <h1 safe>{t.dunningQueue}</h1>
      <section>
        <h2 safe>{t.pastDue}</h2>
        <DataTable label={t.pastDue} head={head} rows={rows(props.pastDue)} empty={t.noneInDunning} />
        {props.nextPastDue ? (
          <a
            role="button"
            class="secondary"
            href={`/admin/dunning?past_due_after=${encodeURIComponent(props.nextPastDue)}`}
            safe
          >
            {t.nextPage}
          </a>
        ) : (
          ''
        )}
      </section>
      <section>
        <h2 safe>{t.unpaid}</h2>
        <DataTable label={t.unpaid} head={head} rows={rows(props.unpaid)} empty={t.noneInDunning} />
        {props.nextUnpaid ? (
          <a
            role="button"
            class="secondary"
            href={`/admin/dunning?unpaid_after=${encodeURIComponent(props.nextUnpaid)}`}
            safe
          >
            {t.nextPage}
          </a>
        ) : (
          ''
        )}
      </section>
    </AdminShell>
  );
}

export function WebhooksPage(props: {
  ctx: AdminContext;
  endpoints: WebhookEndpointResponse[];
  next: string | null;
  secret?: { endpointId: string; secret: string } | null;
  error?: ApiError | null;
  form?: Record<string, string>;
  notice?: Notice;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  return (
    <AdminShell ctx={ctx} title={t.webhooks} section="webhooks" notice={props.notice}>
      <h1 safe>{t.webhooks}</h1>
      {props.secret ? (
        <article>
          <header safe>{t.signingSecret}</header>
          <p class="secret" id="new-secret" safe>
            {props.secret.secret}
          </p>
        </article>
      ) : (
        ''
      )}
      <DataTable
        label={t.endpoints}
        head={[{ label: t.url }, { label: t.enabledEvents }, { label: t.status }, { label: t.created }]}
        rows={props.endpoints.map((endpoint) => [
          linkTo(`/admin/webhooks/${endpoint.id}`, endpoint.url),
          text(endpoint.enabled_events.join(', ')),
          <StatusTag status={endpoint.status} label={t.statuses[endpoint.status] ?? endpoint.status} />,
          text(f.date(endpoint.created_at)),
        ])}
        empty={t.none}
      />
      {props.next ? (
        <a
          role="button"
          class="secondary"
          href={`/admin/webhooks?starting_after=${encodeURIComponent(props.next)}`}
          safe
        >
          {t.nextPage}
        </a>
      ) : (
        ''
      )}
      {ctx.user.role === 'admin' ? (
        <section>
          <h2 safe>{t.createEndpoint}</h2>
          <form method="post" action="/admin/webhooks">
            <Csrf token={ctx.csrf} />
            <FormError error={props.error} fields={['url', 'enabled_events']} />
            <Input
              name="url"
              type="url"
              label={t.url}
              required
              value={props.form?.url}
              error={errorFor(props.error, 'url')}
            />
            <Input
              name="enabled_events"
              label={t.enabledEvents}
              required
              value={props.form?.enabled_events ?? '*'}
              error={props.error?.param?.startsWith('enabled_events') ? props.error : null}
            />
            <button type="submit" safe>
              {t.createEndpoint}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}
    </AdminShell>
  );
}

export function WebhookEndpointPage(props: {
  ctx: AdminContext;
  endpoint: WebhookEndpointResponse;
  deliveries: WebhookDeliveryResponse[];
  next: string | null;
  error?: ApiError | null;
  notice?: Notice;
}): JSX.Element {
  const { ctx, endpoint } = props;
  const { t, f } = ctx;
  return (
    <AdminShell ctx={ctx} title={endpoint.url} section="webhooks" notice={props.notice}>
      <hgroup>
        <h1 safe>{endpoint.url}</h1>
        <p>
          <StatusTag status={endpoint.status} label={t.statuses[endpoint.status] ?? endpoint.status} />{' '}
          <code safe>{endpoint.id}</code>
        </p>
      </hgroup>
      <FormError error={props.error} fields={[]} />
      <h2 safe>{t.deliveries}</h2>
      {props.deliveries.length === 0 ? <p safe>{t.noDeliveries}</p> : ''}
      {props.deliveries.map((delivery) => (
        <article class="delivery">
          <header>
            <code safe>{delivery.event_type}</code>{' '}
            <StatusTag status={delivery.status} label={t.statuses[delivery.status] ?? delivery.status} />{' '}
            <small safe>{`${delivery.event_id} · ${f.dateTime(delivery.created_at)}`}</small>
          </header>
          <DataTable
            label={t.attempts}
            head={[
              { label: t.attempt },
              { label: t.date },
              { label: t.status },
              { label: t.lastResponse },
              { label: t.details },
            ]}
            rows={delivery.attempt_log.map((attempt) => [
              text(attempt.attempt),
              text(f.dateTime(attempt.attempted_at)),
              <StatusTag status={attempt.status} label={t.statuses[attempt.status] ?? attempt.status} />,
              text(attempt.response_status ?? '—'),
              text(attempt.error ?? `${attempt.duration_ms} ms`),
            ])}
            empty={t.none}
          />
          {ctx.user.role === 'admin' && delivery.status !== 'pending' ? (
            <form method="post" action={`/admin/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`}>
              <Csrf token={ctx.csrf} />
              <button type="submit" class="secondary" safe>
                {t.redeliver}
              </button>
            </form>
          ) : (
            ''
          )}
        </article>
      ))}
      {props.next ? (
        <a
          role="button"
          class="secondary"
          href={`/admin/webhooks/${endpoint.id}?starting_after=${encodeURIComponent(props.next)}`}
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

export function TestClocksPage(props: {
  ctx: AdminContext;
  clocks: TestClockResponse[];
  next: string | null;
  error?: ApiError | null;
  form?: Record<string, string>;
  notice?: Notice;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  return (
    <AdminShell ctx={ctx} title={t.testClocks} section="test_clocks" notice={props.notice}>
      <h1 safe>{t.testClocks}</h1>
      <DataTable
        label={t.testClocks}
        head={[{ label: t.name }, { label: t.frozenTime }, { label: t.status }, { label: t.created }]}
        rows={props.clocks.map((clock) => [
          linkTo(`/admin/test-clocks/${clock.id}`, clock.name ?? clock.id),
          text(f.dateTime(clock.frozen_time)),
          <StatusTag status={clock.status} label={t.statuses[clock.status] ?? clock.status} />,
          text(f.date(clock.created_at)),
        ])}
        empty={t.none}
      />
      {props.next ? (
        <a
          role="button"
          class="secondary"
          href={`/admin/test-clocks?starting_after=${encodeURIComponent(props.next)}`}
          safe
        >
          {t.nextPage}
        </a>
      ) : (
        ''
      )}
      {ctx.user.role === 'admin' ? (
        <section>
          <h2 safe>{t.createClock}</h2>
          <form method="post" action="/admin/test-clocks">
            <Csrf token={ctx.csrf} />
            <FormError error={props.error} fields={['name', 'frozen_time']} />
            <Input
              name="name"
              label={t.name}
              value={props.form?.name}
              error={errorFor(props.error, 'name')}
            />
            <Input
              name="frozen_time"
              type="datetime-local"
              label={t.frozenTime}
              required
              value={props.form?.frozen_time}
              error={errorFor(props.error, 'frozen_time')}
            />
            <button type="submit" safe>
              {t.createClock}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}
    </AdminShell>
  );
}

/** The clock's status line; while it advances, htmx asks again every second until it is ready. */
export function ClockStatus(props: { ctx: AdminContext; clock: TestClockResponse }): JSX.Element {
  const { ctx, clock } = props;
  const { t, f } = ctx;
  const polling = clock.status === 'advancing';
  return (
    <p
      id="clock-status"
      aria-live="polite"
      hx-get={polling ? `/admin/test-clocks/${clock.id}/status` : undefined}
      hx-trigger={polling ? 'every 1s' : undefined}
      hx-swap={polling ? 'outerHTML' : undefined}
    >
      <StatusTag status={clock.status} label={t.statuses[clock.status] ?? clock.status} />{' '}
      <span safe>{f.dateTime(clock.frozen_time)}</span>
      {polling ? (
        <>
          {' '}
          <small safe>{t.advancingNote}</small>
        </>
      ) : (
        ''
      )}
    </p>
  );
}

export function TestClockPage(props: {
  ctx: AdminContext;
  clock: TestClockResponse;
  customers: CustomerResponse[];
  error?: { form: 'advance' | 'customer'; error: ApiError } | null;
  form?: Record<string, string>;
  notice?: Notice;
}): JSX.Element {
  const { ctx, clock } = props;
  const { t } = ctx;
  const errorOf = (form: 'advance' | 'customer') => (props.error?.form === form ? props.error.error : null);
  return (
    <AdminShell ctx={ctx} title={clock.name ?? clock.id} section="test_clocks" notice={props.notice}>
      <hgroup>
        <h1 safe>{clock.name ?? clock.id}</h1>
        <p>
          <code safe>{clock.id}</code>
        </p>
      </hgroup>
      <ClockStatus ctx={ctx} clock={clock} />
      <section>
        <h2 safe>{t.customers}</h2>
        <DataTable
          label={t.customers}
          head={[{ label: t.name }, { label: t.email }]}
          rows={props.customers.map((customer) => [
            linkTo(`/admin/customers/${customer.id}`, customer.name),
            text(customer.email),
          ])}
          empty={t.none}
        />
      </section>
      {ctx.user.role === 'admin' ? (
        <>
          <section>
            <h2 safe>{t.advanceClock}</h2>
            <form method="post" action={`/admin/test-clocks/${clock.id}/advance`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('advance')} fields={['frozen_time']} />
              <Input
                name="frozen_time"
                type="datetime-local"
                label={t.advance}
                required
                value={props.form?.frozen_time}
                error={errorFor(errorOf('advance'), 'frozen_time')}
              />
              <button type="submit" safe>
                {t.advanceClock}
              </button>
            </form>
          </section>
          <section>
            <h2 safe>{t.addCustomer}</h2>
            <form method="post" action={`/admin/test-clocks/${clock.id}/customers`}>
              <Csrf token={ctx.csrf} />
              <FormError
                error={errorOf('customer')}
                fields={['name', 'email', 'country', 'locale', 'token']}
              />
              <Input
                name="name"
                label={t.name}
                required
                value={props.form?.name}
                error={errorFor(errorOf('customer'), 'name')}
              />
              <Input
                name="email"
                type="email"
                label={t.email}
                required
                value={props.form?.email}
                error={errorFor(errorOf('customer'), 'email')}
              />
              <div class="grid">
                <Input
                  name="country"
                  label={t.country}
                  required
                  value={props.form?.country ?? 'DE'}
                  error={errorFor(errorOf('customer'), 'country')}
                />
                <Select
                  name="locale"
                  label={t.locale}
                  value={props.form?.locale ?? 'de'}
                  options={[
                    { value: 'de', label: 'Deutsch' },
                    { value: 'en', label: 'English' },
                  ]}
                />
              </div>
              <Input
                name="token"
                label={t.sandboxToken}
                value={props.form?.token}
                error={errorFor(errorOf('customer'), 'token')}
              />
              <button type="submit" safe>
                {t.addCustomer}
              </button>
            </form>
          </section>
        </>
      ) : (
        ''
      )}
    </AdminShell>
  );
}

export function SettingsPage(props: {
  ctx: AdminContext;
  settings: SettingsResponse | null;
  mailFrom: string | undefined;
  form?: Record<string, string>;
  error?: ApiError | null;
  notice?: Notice;
  /** A country whose rates the tax form is opened with (the table's "Change" link). */
  editCountry?: string;
  taxForm?: Record<string, string>;
  taxError?: ApiError | null;
}): JSX.Element {
  const { ctx, settings } = props;
  const { t } = ctx;
  const value = (name: string, stored: string | undefined) => props.form?.[name] ?? stored ?? '';
  const err = (...names: string[]) => errorFor(props.error, ...names);
  const admin = ctx.user.role === 'admin';
  const fields = [
    'name',
    'address.line1',
    'address.postal_code',
    'address.city',
    'address.country',
    'country',
    'vat_id',
    'invoice_prefix',
    'time_zone',
    'default_currency',
    'dunning_policy.retry_offsets_days',
    'dunning_policy.notices',
    'dunning_policy.final_action',
    'email_sender',
    'email_sender.name',
    'email_sender.address',
    'notification_email',
    'notification_locale',
  ];
  return (
    <AdminShell ctx={ctx} title={t.settings} section="settings" notice={props.notice}>
      <h1 safe>{t.settings}</h1>
      <form method="post" action="/admin/settings">
        <Csrf token={ctx.csrf} />
        <FormError error={props.error} fields={fields} />
        <fieldset disabled={!admin}>
          <legend safe>{t.sellerDetails}</legend>
          <Input
            name="name"
            label={t.name}
            required
            value={value('name', settings?.name)}
            error={err('name')}
          />
          <Input
            name="address.line1"
            label={t.line1}
            required
            value={value('address.line1', settings?.address.line1)}
            error={err('address.line1')}
          />
          <div class="grid">
            <Input
              name="address.postal_code"
              label={t.postalCode}
              required
              value={value('address.postal_code', settings?.address.postal_code)}
              error={err('address.postal_code')}
            />
            <Input
              name="address.city"
              label={t.city}
              required
              value={value('address.city', settings?.address.city)}
              error={err('address.city')}
            />
          </div>
          <div class="grid">
            <Input
              name="country"
              label={t.country}
              required
              value={value('country', settings?.country)}
              error={err('country', 'address.country')}
            />
            <Input
              name="vat_id"
              label={t.vatId}
              value={value('vat_id', settings?.vat_id ?? undefined)}
              error={err('vat_id')}
            />
          </div>
          <div class="grid">
            <Input
              name="invoice_prefix"
              label={t.invoicePrefix}
              value={value('invoice_prefix', settings?.invoice_prefix)}
              error={err('invoice_prefix')}
            />
            <Input
              name="time_zone"
              label={t.timeZone}
              value={value('time_zone', settings?.time_zone ?? 'UTC')}
              error={err('time_zone')}
            />
            <Input
              name="default_currency"
              label={t.defaultCurrency}
              required
              value={value('default_currency', settings?.default_currency ?? 'EUR')}
              error={err('default_currency')}
            />
          </div>
        </fieldset>
        <fieldset disabled={!admin}>
          <legend safe>{t.dunningPolicy}</legend>
          <Input
            name="dunning_policy.retry_offsets_days"
            label={t.retryOffsets}
            value={value(
              'dunning_policy.retry_offsets_days',
              settings?.dunning_policy.retry_offsets_days.join(', ') ?? '1, 3, 5, 7',
            )}
            error={props.error?.param?.startsWith('dunning_policy.retry_offsets_days') ? props.error : null}
          />
          <Input
            name="dunning_policy.notices"
            label={t.notices}
            value={value(
              'dunning_policy.notices',
              settings?.dunning_policy.notices.join(', ') ??
                'payment_failed, reminder, second_reminder, final_notice',
            )}
            error={props.error?.param?.startsWith('dunning_policy.notices') ? props.error : null}
          />
          <Select
            name="dunning_policy.final_action"
            label={t.finalAction}
            value={value('dunning_policy.final_action', settings?.dunning_policy.final_action ?? 'cancel')}
            error={err('dunning_policy.final_action')}
            options={['cancel', 'unpaid', 'pause'].map((action) => ({
              value: action,
              label: t.finalActions[action] ?? action,
            }))}
          />
        </fieldset>
        <fieldset disabled={!admin} id="email-sender">
          <legend safe>{t.emailSender}</legend>
          <p>
            <small safe>{t.emailSenderNote(props.mailFrom ?? 'MAIL_FROM')}</small>
          </p>
          <div class="grid">
            <Input
              name="email_sender.name"
              label={t.senderName}
              maxlength={100}
              value={value('email_sender.name', settings?.email_sender?.name)}
              error={err('email_sender.name', 'email_sender')}
            />
            <Input
              name="email_sender.address"
              label={t.senderAddress}
              type="email"
              maxlength={254}
              value={value('email_sender.address', settings?.email_sender?.address)}
              error={err('email_sender.address')}
            />
          </div>
        </fieldset>
        <fieldset disabled={!admin} id="seller-notices">
          <legend safe>{t.sellerNotices}</legend>
          <p>
            <small safe>{t.sellerNoticesNote}</small>
          </p>
          <div class="grid">
            <Input
              name="notification_email"
              label={t.notificationEmail}
              type="email"
              maxlength={320}
              value={value('notification_email', settings?.notification_email ?? undefined)}
              error={err('notification_email')}
            />
            <Select
              name="notification_locale"
              label={t.notificationLocale}
              value={value('notification_locale', settings?.notification_locale ?? 'en')}
              error={err('notification_locale')}
              options={['en', 'de'].map((locale) => ({
                value: locale,
                label: t.languages[locale] ?? locale,
              }))}
            />
          </div>
        </fieldset>
        {admin ? (
          <button type="submit" safe>
            {t.save}
          </button>
        ) : (
          ''
        )}
      </form>
      <TaxRates {...props} />
    </AdminShell>
  );
}

/** The seller's VAT rates outside the EU: a table, and for an admin a form that adds or changes one country's. */
function TaxRates(props: Parameters<typeof SettingsPage>[0]): JSX.Element {
  const { ctx, settings } = props;
  const { t } = ctx;
  const admin = ctx.user.role === 'admin';
  const rates = Object.entries(settings?.tax_rates ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const editing = props.editCountry ? settings?.tax_rates[props.editCountry] : undefined;
  const value = (name: string, stored: string | undefined) => props.taxForm?.[name] ?? stored ?? '';
  const err = (name: string) => errorFor(props.taxError, name);
  return (
    <section id="tax-rates" aria-labelledby="tax-rates-title">
      <h2 id="tax-rates-title" safe>
        {t.taxSettings}
      </h2>
      <p safe>{settings ? t.taxNote(settings.country, settings.vat_id ?? '—') : t.notConfigured}</p>
      <h3 safe>{t.taxRatesOutsideEu}</h3>
      <p>
        <small safe>{t.taxRatesNote}</small>
      </p>
      <FormError error={props.taxError} fields={['tax_country', 'tax_standard', 'tax_reduced']} />
      <DataTable
        label={t.taxRatesOutsideEu}
        head={[
          { label: t.country },
          { label: t.standardRate, amount: true },
          { label: t.reducedRate, amount: true },
          ...(admin ? [{ label: t.actions }] : []),
        ]}
        rows={rates.map(([country, rate]) => [
          text(country),
          text(formatPercent(rate.standard, ctx.locale)),
          text(formatPercent(rate.reduced, ctx.locale)),
          ...(admin
            ? [
                <div class="inline-forms">
                  <a
                    href={`/admin/settings?tax_country=${encodeURIComponent(country)}#tax-rate-form`}
                    aria-label={`${t.editRate}: ${country}`}
                    safe
                  >
                    {t.editRate}
                  </a>
                  <form
                    method="post"
                    action={`/admin/settings/tax-rates/${encodeURIComponent(country)}/remove`}
                  >
                    <Csrf token={ctx.csrf} />
                    <button type="submit" class="secondary" aria-label={`${t.removeRate}: ${country}`} safe>
                      {t.removeRate}
                    </button>
                  </form>
                </div>,
              ]
            : []),
        ])}
        empty={t.noTaxRates}
      />
      {admin && settings ? (
        <form method="post" action="/admin/settings/tax-rates" id="tax-rate-form">
          <Csrf token={ctx.csrf} />
          <fieldset>
            <legend safe>{t.setTaxRate}</legend>
            <div class="grid">
              <Input
                name="tax_country"
                label={t.country}
                required
                maxlength={2}
                hint={t.countryHint}
                value={value('tax_country', editing ? props.editCountry : undefined)}
                error={err('tax_country')}
              />
              <Input
                name="tax_standard"
                label={t.standardRatePercent}
                required
                inputmode="decimal"
                hint={t.percentHint}
                value={value(
                  'tax_standard',
                  editing ? percentInputOf(editing.standard, ctx.locale) : undefined,
                )}
                error={err('tax_standard')}
              />
              <Input
                name="tax_reduced"
                label={t.reducedRatePercent}
                inputmode="decimal"
                hint={t.reducedHint}
                value={value(
                  'tax_reduced',
                  editing ? percentInputOf(editing.reduced, ctx.locale) : undefined,
                )}
                error={err('tax_reduced')}
              />
            </div>
          </fieldset>
          <button type="submit" safe>
            {t.saveTaxRate}
          </button>
        </form>
      ) : (
        ''
      )}
    </section>
  );
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export function ApiKeysPage(props: {
  ctx: AdminContext;
  keys: ApiKeyRow[];
  next: string | null;
  secret?: string | null;
  error?: string | null;
  notice?: Notice;
}): JSX.Element {
  const { ctx } = props;
  const { t, f } = ctx;
  const admin = ctx.user.role === 'admin';
  return (
    <AdminShell ctx={ctx} title={t.apiKeys} section="api_keys" notice={props.notice}>
      <h1 safe>{t.apiKeys}</h1>
      {props.secret ? (
        <article>
          <header safe>{t.newSecret}</header>
          <p class="secret" id="new-secret" safe>
            {props.secret}
          </p>
        </article>
      ) : (
        ''
      )}
      <DataTable
        label={t.apiKeys}
        head={[
          { label: t.keyName },
          { label: t.prefix },
          { label: t.created },
          { label: t.status },
          { label: t.actions },
        ]}
        rows={props.keys.map((key) => [
          text(key.name),
          <code safe>{`${key.prefix}…`}</code>,
          text(f.dateTime(key.createdAt)),
          text(key.revokedAt ? `${t.revoked} ${f.dateTime(key.revokedAt)}` : '—'),
          admin && !key.revokedAt ? (
            <form method="post" action={`/admin/api-keys/${key.id}/revoke`}>
              <Csrf token={ctx.csrf} />
              <button type="submit" class="secondary" aria-label={`${t.revoke}: ${key.name}`} safe>
                {t.revoke}
              </button>
            </form>
          ) : (
            text('')
          ),
        ])}
        empty={t.none}
      />
      {props.next ? (
        <a
          role="button"
          class="secondary"
          href={`/admin/api-keys?starting_after=${encodeURIComponent(props.next)}`}
          safe
        >
          {t.nextPage}
        </a>
      ) : (
        ''
      )}
      {admin ? (
        <section>
          <h2 safe>{t.createKey}</h2>
          <form method="post" action="/admin/api-keys">
            <Csrf token={ctx.csrf} />
            {props.error ? (
              <p class="field-error" role="alert" safe>
                {props.error}
              </p>
            ) : (
              ''
            )}
            <Input name="name" label={t.keyName} required maxlength={100} />
            <button type="submit" safe>
              {t.createKey}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}
    </AdminShell>
  );
}
