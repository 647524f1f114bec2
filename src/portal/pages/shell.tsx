import type { Children } from '@kitajs/html';
import { Csrf } from '../../surfaces/views/components';
import { Layout } from '../../surfaces/views/layout';
import type { PortalContext } from '../context';

export type PortalSection = 'overview' | 'invoices' | 'payment_method' | 'billing';

/** The portal's frame: the seller's name, the customer's sections, the way back to the seller, sign-out. */
export function PortalShell(props: {
  ctx: PortalContext;
  title: string;
  section?: PortalSection;
  notice?: { kind: 'success' | 'error'; text: string } | null;
  children?: Children;
}): JSX.Element {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout
      locale={ctx.locale}
      title={props.title}
      brand={ctx.seller.name}
      notice={props.notice}
      nav={[
        { href: '/portal', label: t.overview, current: props.section === 'overview' },
        { href: '/portal/invoices', label: t.invoices, current: props.section === 'invoices' },
        {
          href: '/portal/payment-method',
          label: t.paymentMethod,
          current: props.section === 'payment_method',
        },
        { href: '/portal/billing', label: t.billingDetails, current: props.section === 'billing' },
      ]}
      aside={
        <div class="aside">
          {ctx.returnUrl ? (
            <a href={ctx.returnUrl} safe>
              {t.backToSeller(ctx.seller.name)}
            </a>
          ) : (
            ''
          )}
          <form method="post" action="/portal/logout">
            <Csrf token={ctx.csrf} />
            <button type="submit" class="secondary" safe>
              {t.signOut}
            </button>
          </form>
        </div>
      }
    >
      {props.children}
    </Layout>
  );
}
