import { Layout } from '../../surfaces/views/layout';
import type { Locale } from '../../surfaces/i18n';
import type { PortalStrings } from '../strings';

/** A page of the portal without a signed-in customer: a link to continue, a refusal, an ending. */
export function MessagePage(props: {
  locale: Locale;
  brand: string;
  title: string;
  text: string;
  link?: { href: string; label: string } | null;
}): JSX.Element {
  return (
    <Layout locale={props.locale} title={props.title} brand={props.brand}>
      <article>
        <h1 safe>{props.title}</h1>
        <p safe>{props.text}</p>
        {props.link ? (
          <p>
            <a href={props.link.href} safe>
              {props.link.label}
            </a>
          </p>
        ) : (
          ''
        )}
      </article>
    </Layout>
  );
}

/** The landing page of a signed email link: one click spends the link (a mail scanner's fetch does not). */
export function ContinuePage(props: {
  locale: Locale;
  t: PortalStrings;
  brand: string;
  action: string;
}): JSX.Element {
  const { t } = props;
  return (
    <Layout locale={props.locale} title={t.continueTitle} brand={props.brand}>
      <article>
        <h1 safe>{t.continueTitle}</h1>
        <p safe>{t.continueText(props.brand)}</p>
        <form method="post" action={props.action}>
          <button type="submit" safe>
            {t.continue}
          </button>
        </form>
      </article>
    </Layout>
  );
}
