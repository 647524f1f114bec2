import { Layout } from '../../surfaces/views/layout';
import type { Locale } from '../../surfaces/i18n';
import type { AdminStrings } from '../strings';

export function LoginPage(props: {
  locale: Locale;
  t: AdminStrings;
  csrf: string;
  next: string;
  email?: string;
  error?: string | null;
}): JSX.Element {
  const { t } = props;
  return (
    <Layout locale={props.locale} title={t.signInTitle} brand={t.console}>
      <article>
        <h1 safe>{t.signInTitle}</h1>
        <form method="post" action="/admin/login">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          {props.error ? (
            <p class="field-error" role="alert" id="login-error" safe>
              {props.error}
            </p>
          ) : (
            ''
          )}
          <label>
            <span safe>{t.email}</span>
            <input
              type="email"
              name="email"
              autocomplete="username"
              required
              value={props.email}
              aria-invalid={props.error ? 'true' : undefined}
              aria-describedby={props.error ? 'login-error' : undefined}
            />
          </label>
          <label>
            <span safe>{t.password}</span>
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit" safe>
            {t.signIn}
          </button>
        </form>
      </article>
    </Layout>
  );
}
