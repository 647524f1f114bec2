import type { CustomerResponse, PaymentMethodResponse } from '../../api/schemas/customers';
import type { ApiError } from '../../surfaces/api-client';
import type { FormBody } from '../../surfaces/http';
import { Csrf, errorFor, FormError, Input, Select } from '../../surfaces/views/components';
import type { PortalContext } from '../context';
import { PortalShell } from './shell';

export function PaymentMethodPage(props: {
  ctx: PortalContext;
  methods: PaymentMethodResponse[];
  gateway: string | undefined;
  error?: ApiError | null;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}): JSX.Element {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <PortalShell ctx={ctx} title={t.paymentMethod} section="payment_method" notice={props.notice}>
      <h1 safe>{t.paymentMethod}</h1>
      <section>
        <h2 safe>{t.paymentMethods}</h2>
        {props.methods.length === 0 ? <p safe>{t.noPaymentMethods}</p> : ''}
        <ul>
          {props.methods.map((method) => (
            <li safe>
              {[
                method.brand && method.last4 ? t.card(method.brand, method.last4) : method.id,
                method.exp_month && method.exp_year ? t.expires(method.exp_month, method.exp_year) : '',
                method.default ? `(${t.defaultMethod})` : '',
              ]
                .filter(Boolean)
                .join(' ')}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2 safe>{t.addCard}</h2>
        {props.gateway === 'sandbox' ? (
          <form method="post" action="/portal/payment-method">
            <Csrf token={ctx.csrf} />
            <FormError error={props.error} fields={['token']} />
            <Input
              name="token"
              label={t.sandboxToken}
              hint={t.sandboxHint}
              error={errorFor(props.error, 'token', 'gateway')}
              required
              maxlength={255}
              autocomplete="off"
            />
            <button type="submit" safe>
              {t.saveCard}
            </button>
          </form>
        ) : (
          <p safe>{t.stripeNotice}</p>
        )}
      </section>
    </PortalShell>
  );
}

/** The form's values: what the customer typed (after a refusal), else what is stored. */
function valuesOf(customer: CustomerResponse, form: FormBody | undefined): Record<string, string> {
  if (form) return form;
  return {
    name: customer.name,
    email: customer.email,
    'address.line1': customer.address?.line1 ?? '',
    'address.line2': customer.address?.line2 ?? '',
    'address.postal_code': customer.address?.postal_code ?? '',
    'address.city': customer.address?.city ?? '',
    'address.country': customer.address?.country ?? customer.country,
    vat_id: customer.vat_id ?? '',
    locale: customer.locale,
  };
}

export const BILLING_FIELDS = [
  'name',
  'email',
  'address.line1',
  'address.line2',
  'address.postal_code',
  'address.city',
  'address.country',
  'vat_id',
  'locale',
];

export function BillingPage(props: {
  ctx: PortalContext;
  form?: FormBody;
  error?: ApiError | null;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}): JSX.Element {
  const { ctx, error } = props;
  const { t } = ctx;
  const values = valuesOf(ctx.customer, props.form);
  const input = (
    name: string,
    label: string,
    options: { type?: 'text' | 'email'; required?: boolean; hint?: string; autocomplete?: string } = {},
  ) => (
    <Input
      name={name}
      label={label}
      value={values[name] ?? ''}
      type={options.type}
      required={options.required}
      hint={options.hint}
      autocomplete={options.autocomplete}
      error={errorFor(error, name, name === 'address.country' ? 'country' : name)}
    />
  );
  return (
    <PortalShell ctx={ctx} title={t.billingDetails} section="billing" notice={props.notice}>
      <h1 safe>{t.billingDetails}</h1>
      <form method="post" action="/portal/billing">
        <Csrf token={ctx.csrf} />
        <FormError error={error} fields={[...BILLING_FIELDS, 'address', 'country']} />
        {input('name', t.name, { required: true, autocomplete: 'name' })}
        {input('email', t.email, { type: 'email', required: true, autocomplete: 'email' })}
        {input('address.line1', t.addressLine1, { autocomplete: 'address-line1' })}
        {input('address.line2', t.addressLine2, { autocomplete: 'address-line2' })}
        <div class="grid">
          {input('address.postal_code', t.postalCode, { autocomplete: 'postal-code' })}
          {input('address.city', t.city, { autocomplete: 'address-level2' })}
        </div>
        {input('address.country', t.country, { required: true, autocomplete: 'country' })}
        {input('vat_id', t.vatId, { hint: t.vatIdHint })}
        <Select
          name="locale"
          label={t.language}
          value={values.locale ?? ctx.locale}
          error={errorFor(error, 'locale')}
          options={[
            { value: 'de', label: t.languages.de ?? 'Deutsch' },
            { value: 'en', label: t.languages.en ?? 'English' },
          ]}
        />
        <button type="submit" safe>
          {t.save}
        </button>
      </form>
    </PortalShell>
  );
}
