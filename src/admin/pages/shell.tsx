import type { Children } from '@kitajs/html';
import { Csrf, Scroll } from '../../surfaces/views/components';
import { Layout } from '../../surfaces/views/layout';
import type { AdminContext } from '../context';

export type AdminSection =
  | 'dashboard'
  | 'customers'
  | 'invoices'
  | 'dunning'
  | 'events'
  | 'webhooks'
  | 'test_clocks'
  | 'settings'
  | 'api_keys';

export type Notice = { kind: 'success' | 'error'; text: string } | null;

/** The console's frame: sections, the signed-in user and role, language, sign-out. */
export function AdminShell(props: {
  ctx: AdminContext;
  title: string;
  section?: AdminSection;
  notice?: Notice;
  children?: Children;
}): JSX.Element {
  const { ctx } = props;
  const { t } = ctx;
  const link = (href: string, label: string, section: AdminSection) => ({
    href,
    label,
    current: props.section === section,
  });
  return (
    <Layout
      locale={ctx.locale}
      title={props.title}
      brand={t.console}
      notice={props.notice}
      nav={[
        link('/admin', t.dashboard, 'dashboard'),
        link('/admin/customers', t.customers, 'customers'),
        link('/admin/invoices', t.invoices, 'invoices'),
        link('/admin/dunning', t.dunning, 'dunning'),
        link('/admin/events', t.events, 'events'),
        link('/admin/webhooks', t.webhooks, 'webhooks'),
        link('/admin/test-clocks', t.testClocks, 'test_clocks'),
        link('/admin/settings', t.settings, 'settings'),
        link('/admin/api-keys', t.apiKeys, 'api_keys'),
      ]}
      aside={
        <div class="aside">
          <span safe>{t.signedInAs(ctx.user.name, t.roles[ctx.user.role] ?? ctx.user.role)}</span>
          <form method="post" action="/admin/language">
            <Csrf token={ctx.csrf} />
            <select name="locale" aria-label={t.language}>
              <option value="de" selected={ctx.locale === 'de'}>
                Deutsch
              </option>
              <option value="en" selected={ctx.locale === 'en'}>
                English
              </option>
            </select>{' '}
            <button type="submit" class="secondary" safe>
              {t.apply}
            </button>
          </form>
          <form method="post" action="/admin/logout">
            <Csrf token={ctx.csrf} />
            <button type="submit" class="secondary" safe>
              {t.signOut}
            </button>
          </form>
        </div>
      }
    >
      {ctx.user.role === 'viewer' ? (
        <p class="notice" role="note" safe>
          {t.viewerNotice}
        </p>
      ) : (
        ''
      )}
      {props.children}
    </Layout>
  );
}

/** A table whose header names every column; rows are cells already rendered. */
export function DataTable(props: {
  label: string;
  head: { label: string; amount?: boolean }[];
  rows: JSX.Element[][];
  empty: string;
}): JSX.Element {
  if (props.rows.length === 0) return <p safe>{props.empty}</p>;
  return (
    <Scroll label={props.label}>
      <table>
        <thead>
          <tr>
            {props.head.map((column) => (
              <th scope="col" class={column.amount ? 'amount' : undefined} safe>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((cells) => (
            <tr>
              {cells.map((cell, index) => (
                <td class={props.head[index]?.amount ? 'amount' : undefined}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** Plain text in a table cell, escaped. */
export const text = (value: string | number | null | undefined): JSX.Element => (
  <span safe>{value === null || value === undefined ? '' : String(value)}</span>
);

export const linkTo = (href: string, label: string): JSX.Element => (
  <a href={href} safe>
    {label}
  </a>
);

/** Markup for a fact's value; a plain string is text and is escaped. */
export interface Markup {
  html: JSX.Element;
}
export const markup = (html: JSX.Element): Markup => ({ html });

/** A definition list of facts about one object. */
export function Facts(props: { facts: [string, Markup | string][] }): JSX.Element {
  return (
    <dl>
      {props.facts.map(([term, value]) => {
        // Markup was rendered (and escaped) by its own component; a plain string is escaped here.
        const safeValue: JSX.Element = typeof value === 'string' ? text(value) : value.html;
        return (
          <>
            <dt safe>{term}</dt>
            <dd>{safeValue}</dd>
          </>
        );
      })}
    </dl>
  );
}
