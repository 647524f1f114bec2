import type { ApiError } from '../../surfaces/api-client';
import {
  CANCEL_REASONS,
  type ChangePreview,
  type SubscriptionView,
} from '../../surfaces/subscription-actions';
import { Csrf, errorFor, FormError, Input, Scroll, Select, StatusTag } from '../../surfaces/views/components';
import type { PortalContext } from '../context';
import { SubscriptionFacts } from './overview';
import { PortalShell } from './shell';

export interface ChangeDraft {
  planId: string;
  quantity: number;
}

/** The exact lines of a change, from the API's preview, and the button that makes exactly that change. */
export function ChangePreviewBlock(props: {
  ctx: PortalContext;
  subscriptionId: string;
  draft: ChangeDraft;
  preview: ChangePreview;
  action: string;
}): JSX.Element {
  const { t, f } = props.ctx;
  const { preview } = props;
  return (
    <article id="change-preview" aria-live="polite">
      <h3 safe>{t.previewTitle}</h3>
      {preview.timing === 'immediately' ? (
        <p safe>{t.previewNow(f.dateTime(preview.effectiveAt))}</p>
      ) : (
        <p safe>{t.previewLater(f.date(preview.effectiveAt))}</p>
      )}
      {preview.lines.length > 0 ? (
        <Scroll label={t.previewTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col" safe>
                  {t.description}
                </th>
                <th scope="col" safe>
                  {t.period}
                </th>
                <th scope="col" class="amount" safe>
                  {t.amount}
                </th>
              </tr>
            </thead>
            <tbody>
              {preview.lines.map((line) => (
                <tr class="preview-line">
                  <td safe>{line.description}</td>
                  <td safe>
                    {line.periodStart && line.periodEnd
                      ? t.periodRange(f.date(line.periodStart), f.date(line.periodEnd))
                      : ''}
                  </td>
                  <td class="amount" safe>
                    {f.money(line.amount, preview.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colspan="2" safe>
                  {t.totalBeforeTax}
                </th>
                <td class="amount" safe>
                  {f.money(preview.total, preview.currency)}
                </td>
              </tr>
            </tfoot>
          </table>
        </Scroll>
      ) : preview.timing === 'immediately' ? (
        <p safe>{t.previewNoLines}</p>
      ) : (
        ''
      )}
      <form method="post" action={props.action}>
        <Csrf token={props.ctx.csrf} />
        <input type="hidden" name="plan_id" value={props.draft.planId} />
        <input type="hidden" name="quantity" value={String(props.draft.quantity)} />
        <input type="hidden" name="timing" value={preview.timing} />
        <button type="submit" safe>
          {t.confirmChange}
        </button>
      </form>
    </article>
  );
}

export interface SubscriptionPageProps {
  ctx: PortalContext;
  subscription: SubscriptionView;
  plans: { id: string; name: string; amountPerUnit: number }[];
  draft?: ChangeDraft;
  preview?: ChangePreview | null;
  /** Which form the error belongs to, so it shows beside that form's field. */
  error?: { form: 'change' | 'pause' | 'cancel' | 'resume' | 'undo'; error: ApiError } | null;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}

export function SubscriptionPage(props: SubscriptionPageProps): JSX.Element {
  const { ctx, subscription: s } = props;
  const { t, f } = ctx;
  const base = `/portal/subscriptions/${s.id}`;
  const errorOf = (form: string): ApiError | null => (props.error?.form === form ? props.error.error : null);
  const changeError = errorOf('change');
  const canChange = ['trialing', 'active', 'past_due'].includes(s.status);
  const canPause = ['trialing', 'active'].includes(s.status) && !s.pauseAtPeriodEnd;
  const canCancel = ['trialing', 'active', 'past_due'].includes(s.status) && !s.cancelAtPeriodEnd;
  const draft = props.draft ?? { planId: s.planId, quantity: s.quantity };
  return (
    <PortalShell
      ctx={ctx}
      title={`${t.subscription}: ${s.planName}`}
      section="overview"
      notice={props.notice}
    >
      <hgroup>
        <h1 safe>{s.planName}</h1>
        <p>
          <StatusTag status={s.status} label={t.statuses[s.status] ?? s.status} />
        </p>
      </hgroup>
      <SubscriptionFacts ctx={ctx} subscription={s} />
      {s.pastDue ? (
        <p>
          <a href="/portal/payment-method" role="button" safe>
            {t.updatePaymentMethod}
          </a>
        </p>
      ) : (
        ''
      )}

      {s.scheduledChange ? (
        <form method="post" action={`${base}/change/cancel`}>
          <Csrf token={ctx.csrf} />
          <button type="submit" class="secondary" safe>
            {t.changeScheduledUndo}
          </button>
        </form>
      ) : (
        ''
      )}

      {canChange ? (
        <section>
          <h2 safe>{t.changePlan}</h2>
          <form
            method="post"
            action={`${base}/change/preview`}
            hx-post={`${base}/change/preview`}
            hx-target="#change-preview-slot"
            hx-swap="innerHTML"
          >
            <Csrf token={ctx.csrf} />
            <FormError error={changeError} fields={['plan_id', 'quantity']} />
            <div class="grid">
              <Select
                name="plan_id"
                label={t.newPlan}
                value={draft.planId}
                error={errorFor(changeError, 'plan_id')}
                options={props.plans.map((plan) => ({
                  value: plan.id,
                  label: `${plan.name} (${f.money(plan.amountPerUnit, s.currency)})`,
                }))}
              />
              <Input
                name="quantity"
                type="number"
                label={t.newQuantity}
                value={draft.quantity}
                min={1}
                max={100000}
                error={errorFor(changeError, 'quantity')}
                required
              />
            </div>
            <button type="submit" class="secondary" safe>
              {t.preview}
            </button>
          </form>
          <div id="change-preview-slot">
            {props.preview ? (
              <ChangePreviewBlock
                ctx={ctx}
                subscriptionId={s.id}
                draft={draft}
                preview={props.preview}
                action={`${base}/change`}
              />
            ) : (
              ''
            )}
          </div>
        </section>
      ) : (
        ''
      )}

      {s.status === 'paused' ? (
        <section>
          <h2 safe>{t.resumeTitle}</h2>
          <p safe>{t.resumeText}</p>
          <form method="post" action={`${base}/resume`}>
            <Csrf token={ctx.csrf} />
            <FormError error={errorOf('resume')} fields={[]} />
            <button type="submit" safe>
              {t.resume}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}

      {canPause ? (
        <section>
          <h2 safe>{t.pauseTitle}</h2>
          <form method="post" action={`${base}/pause`}>
            <Csrf token={ctx.csrf} />
            <FormError error={errorOf('pause')} fields={['at', 'resumes_at']} />
            <Select
              name="at"
              label={t.pauseWhen}
              value="immediately"
              error={errorFor(errorOf('pause'), 'at')}
              options={[
                { value: 'immediately', label: t.pauseNow },
                { value: 'period_end', label: t.pauseAtPeriodEnd },
              ]}
            />
            <Input
              name="resumes_at"
              type="date"
              label={t.resumeOn}
              hint={t.resumeOnHint}
              error={errorFor(errorOf('pause'), 'resumes_at')}
            />
            <button type="submit" class="secondary" safe>
              {t.pause}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}

      {s.cancelAtPeriodEnd ? (
        <section>
          <h2 safe>{t.cancelTitle}</h2>
          <p safe>{t.endsOn(f.date(s.currentPeriodEnd))}</p>
          <form method="post" action={`${base}/reactivate`}>
            <Csrf token={ctx.csrf} />
            <FormError error={errorOf('undo')} fields={[]} />
            <button type="submit" safe>
              {t.undoCancel}
            </button>
          </form>
        </section>
      ) : canCancel ? (
        <section>
          <h2 safe>{t.cancelTitle}</h2>
          <p safe>{t.cancelText(f.date(s.currentPeriodEnd))}</p>
          <form method="post" action={`${base}/cancel`}>
            <Csrf token={ctx.csrf} />
            <FormError error={errorOf('cancel')} fields={['reason']} />
            <Select
              name="reason"
              label={t.cancelReason}
              required
              error={errorFor(errorOf('cancel'), 'reason')}
              options={CANCEL_REASONS.map((reason) => ({ value: reason, label: t.cancelReasons[reason] }))}
            />
            <button type="submit" class="secondary" safe>
              {t.cancel}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}
    </PortalShell>
  );
}
