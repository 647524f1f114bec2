import type { Children } from '@kitajs/html';
import type { Locale } from '../i18n';

/** htmx without anything the Content-Security-Policy forbids: no inline styles, no eval, no foreign requests. */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
});

export interface NavLink {
  href: string;
  label: string;
  current?: boolean;
}

export interface LayoutProps {
  locale: Locale;
  title: string;
  brand: string;
  nav?: NavLink[];
  /** Right-hand side of the header: the signed-in person, language, sign-out. */
  aside?: Children;
  notice?: { kind: 'success' | 'error'; text: string } | null;
  children?: Children;
}

/** Every page of both surfaces: semantic HTML that Pico's classless stylesheet lays out, scripts from this origin. */
export function Layout(props: LayoutProps): JSX.Element {
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title safe>{`${props.title} · ${props.brand}`}</title>
        <link rel="stylesheet" href="/assets/pico.css" />
        <link rel="stylesheet" href="/assets/surfaces.css" />
        <script src="/assets/htmx.js" defer></script>
      </head>
      <body>
        <header>
          <nav aria-label={props.brand}>
            <ul>
              <li>
                <strong safe>{props.brand}</strong>
              </li>
            </ul>
            {props.nav && props.nav.length > 0 ? (
              <ul>
                {props.nav.map((link) => (
                  <li>
                    <a href={link.href} aria-current={link.current ? 'page' : undefined} safe>
                      {link.label}
                    </a>
                  </li>
                ))}
              </ul>
            ) : (
              ''
            )}
          </nav>
          {props.aside ?? ''}
        </header>
        <main>
          {props.notice ? <Notice kind={props.notice.kind} text={props.notice.text} /> : ''}
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function Notice(props: { kind: 'success' | 'error'; text: string }): JSX.Element {
  return (
    <article class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      <p safe>{props.text}</p>
    </article>
  );
}
