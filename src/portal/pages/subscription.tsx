import type { ApiError } from '../../surfaces/api-client';
import {
  CANCEL_REASONS,
  type ChangePreview,
  type ItemChange,
  itemsText,
  type PlanOffer,
  type SubscriptionView,
} from '../../surfaces/subscription-actions';
import { Csrf, errorFor, FormError, Input, Select, StatusTag } from '../../surfaces/views/components';
import { PreviewLines } from '../../surfaces/views/preview-lines';
import type { PortalContext } from '../context';
import { SubscriptionFacts } from './overview';
import { PortalShell } from './shell';

/** A change as the forms carry it; an unreadable quantity stays NaN until the API names it. */
export type ChangeDraft = ItemChange;

/** Which form a change's error shows beside: the base plan's, the new add-on's, or one item's row. */
export function changeFormOf(draft: ChangeDraft): string {
  return draft.kind === 'base' ? 'change' : draft.kind === 'add' ? 'addon' : `item:${draft.itemId}`;
}

/** The hidden fields that send the previewed change again, unchanged. */
export function DraftFields(props: { draft: ChangeDraft }): JSX.Element {
  const { draft } = props;
  return (
    <>
      <input type="hidden" name="kind" value={draft.kind} />
      {'planId' in draft && draft.planId ? <input type="hidden" name="plan_id" value={draft.planId} /> : ''}
      {'quantity' in draft && draft.quantity !== undefined ? (
        <input type="hidden" name="quantity" value={String(draft.quantity)} />
      ) : (
        ''
      )}
      {'itemId' in draft ? <input type="hidden" name="item_id" value={draft.itemId} /> : ''}
    </>
  );
}

/** A change to another interval: how it bills from then on and, when invoiced now, the whole new period. */
function IntervalChangeNote(props: { ctx: PortalContext; preview: ChangePreview }): JSX.Element {
  const { t, f } = props.ctx;
  const change = props.preview.intervalChange;
  if (!change) return '';
  const per = t.perInterval(change.to);
  return (
    <p id="interval-change" safe>
      {change.newPeriod
        ? t.previewNewPeriod(per, f.date(change.newPeriod.start), f.date(change.newPeriod.end))
        : t.previewNewInterval(per, f.date(props.preview.effectiveAt))}
    </p>
  );
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
      <IntervalChangeNote ctx={props.ctx} preview={preview} />
      {preview.lines.length > 0 ? (
        <PreviewLines
          preview={preview}
          f={f}
          labels={{
            title: t.previewTitle,
            description: t.description,
            period: t.period,
            amount: t.amount,
            total: t.totalBeforeTax,
            periodRange: t.periodRange,
          }}
        />
      ) : preview.timing === 'immediately' ? (
        <p safe>{t.previewNoLines}</p>
      ) : (
        ''
      )}
      <p>
        <strong safe>{t.itemsAfter}</strong>: <span safe>{itemsText(preview.items)}</span>
      </p>
      <form method="post" action={props.action}>
        <Csrf token={props.ctx.csrf} />
        <DraftFields draft={props.draft} />
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
  offers: { basePlans: PlanOffer[]; addOns: PlanOffer[] };
  draft?: ChangeDraft;
  preview?: ChangePreview | null;
  /**
   * Which form the error belongs to, so it shows beside that form's field: `change` (plan and quantity), `addon`,
   * `item:<id>` (an add-on's row), `pause`, `cancel`, `resume`, `undo`.
   */
  error?: { form: string; error: ApiError } | null;
  notice?: { kind: 'success' | 'error'; text: string } | null;
}

export function SubscriptionPage(props: SubscriptionPageProps): JSX.Element {
  const { ctx, subscription: s } = props;
  const { t, f } = ctx;
  const base = `/portal/subscriptions/${s.id}`;
  const errorOf = (form: string): ApiError | null => (props.error?.form === form ? props.error.error : null);
  const changeError = errorOf('change');
  // A refusal naming no field (a plan of another interval beside add-ons, a past-due subscription changing now) is
  // about the plan chosen: it shows beside the plan.
  const planError =
    changeError && (!changeError.param || changeError.param === 'plan_id') ? changeError : null;
  const canChange = ['trialing', 'active', 'past_due'].includes(s.status);
  const canPause = ['trialing', 'active'].includes(s.status) && !s.pauseAtPeriodEnd;
  const canCancel = ['trialing', 'active', 'past_due'].includes(s.status) && !s.cancelAtPeriodEnd;
  const baseDraft =
    props.draft?.kind === 'base'
      ? props.draft
      : { kind: 'base' as const, planId: s.planId, quantity: s.quantity };
  const addDraft = props.draft?.kind === 'add' ? props.draft : null;
  const shown = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '' : value);
  const addOnError = errorOf('addon');
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
            <FormError error={planError ? null : changeError} fields={['plan_id', 'quantity']} />
            <div class="grid">
              <Select
                name="plan_id"
                label={t.newPlan}
                value={baseDraft.planId ?? s.planId}
                error={planError}
                options={props.offers.basePlans.map((plan) => ({
                  value: plan.id,
                  label: t.planOption(
                    plan.name,
                    f.money(plan.amountPerUnit, s.currency),
                    t.perInterval(plan.interval),
                  ),
                }))}
              />
              <Input
                name="quantity"
                type="number"
                label={t.newQuantity}
                value={shown(baseDraft.quantity)}
                min={1}
                max={100000}
                error={errorFor(changeError, 'quantity')}
                required
              />
            </div>
            <input type="hidden" name="kind" value="base" />
            <button type="submit" class="secondary" safe>
              {t.preview}
            </button>
          </form>
          <h2 safe>{t.addOnsTitle}</h2>
          {s.items.length > 1 ? '' : <p safe>{t.addOnsNone}</p>}
          {s.items.slice(1).map((item) => {
            const rowError = errorOf(`item:${item.id}`);
            const rowDraft =
              props.draft?.kind === 'update' && props.draft.itemId === item.id ? props.draft : null;
            return (
              <form
                method="post"
                action={`${base}/change/preview`}
                hx-post={`${base}/change/preview`}
                hx-target="#change-preview-slot"
                hx-swap="innerHTML"
                class="addon-item"
              >
                <Csrf token={ctx.csrf} />
                <input type="hidden" name="item_id" value={item.id} />
                <FormError error={rowError} fields={['quantity']} />
                <Input
                  name="quantity"
                  id={`quantity-${item.id}`}
                  type="number"
                  label={t.addOnQuantity(item.name)}
                  value={rowDraft ? shown(rowDraft.quantity) : item.quantity}
                  min={1}
                  max={100000}
                  error={errorFor(rowError, 'quantity')}
                  required
                />
                <div class="grid">
                  <button type="submit" name="kind" value="update" class="secondary" safe>
                    {t.previewQuantity}
                  </button>
                  <button
                    type="submit"
                    name="kind"
                    value="remove"
                    class="secondary outline"
                    formnovalidate
                    safe
                  >
                    {t.previewRemoval}
                  </button>
                </div>
              </form>
            );
          })}
          {props.offers.addOns.length > 0 ? (
            <form
              method="post"
              action={`${base}/change/preview`}
              hx-post={`${base}/change/preview`}
              hx-target="#change-preview-slot"
              hx-swap="innerHTML"
            >
              <Csrf token={ctx.csrf} />
              <input type="hidden" name="kind" value="add" />
              <FormError error={addOnError} fields={['plan_id', 'quantity']} />
              <div class="grid">
                <Select
                  name="plan_id"
                  id="addon-plan_id"
                  label={t.addOnNew}
                  value={addDraft?.planId ?? ''}
                  error={errorFor(addOnError, 'plan_id')}
                  options={props.offers.addOns.map((plan) => ({
                    value: plan.id,
                    label: t.planOption(
                      plan.name,
                      f.money(plan.amountPerUnit, s.currency),
                      t.perInterval(plan.interval),
                    ),
                  }))}
                />
                <Input
                  name="quantity"
                  id="addon-quantity"
                  type="number"
                  label={t.newQuantity}
                  value={addDraft ? shown(addDraft.quantity) : 1}
                  min={1}
                  max={100000}
                  error={errorFor(addOnError, 'quantity')}
                  required
                />
              </div>
              <button type="submit" class="secondary" safe>
                {t.previewAdding}
              </button>
            </form>
          ) : (
            ''
          )}
          <div id="change-preview-slot">
            {props.preview && props.draft ? (
              <ChangePreviewBlock
                ctx={ctx}
                subscriptionId={s.id}
                draft={props.draft}
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
