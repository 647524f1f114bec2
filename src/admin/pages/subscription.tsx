import type { InvoiceResponse } from '../../api/schemas/invoices';
import type { PaymentResponse } from '../../api/schemas/payments';
import type { ApiError } from '../../surfaces/api-client';
import {
  type ChangePreview,
  type ItemChange,
  itemsText,
  type PlanOffer,
  type SubscriptionView,
  type Timing,
} from '../../surfaces/subscription-actions';
import { Csrf, errorFor, FormError, Input, Select, StatusTag } from '../../surfaces/views/components';
import { PreviewLines } from '../../surfaces/views/preview-lines';
import type { AdminContext } from '../context';
import { invoiceHead, invoiceRows, paymentHead, paymentRows } from './customers';
import { AdminShell, DataTable, Facts, linkTo, markup, type Notice } from './shell';

/** A change of the items as the console's forms carry it, with the timing the operator chose ('' = by direction). */
export interface ConsoleChangeDraft {
  change: ItemChange;
  timing: '' | Timing;
}

/** Which form a change's error shows beside: the base plan's, the add-on's, or one item's row. */
export function consoleFormOf(change: ItemChange): string {
  return change.kind === 'base' ? 'change' : change.kind === 'add' ? 'addon' : `item:${change.itemId}`;
}

function ChangeFields(props: { change: ItemChange }): JSX.Element {
  const { change } = props;
  return (
    <>
      <input type="hidden" name="kind" value={change.kind} />
      {'planId' in change && change.planId ? (
        <input type="hidden" name="plan_id" value={change.planId} />
      ) : (
        ''
      )}
      {'quantity' in change && change.quantity !== undefined ? (
        <input type="hidden" name="quantity" value={String(change.quantity)} />
      ) : (
        ''
      )}
      {'itemId' in change ? <input type="hidden" name="item_id" value={change.itemId} /> : ''}
    </>
  );
}

function TimingSelect(props: { ctx: AdminContext; id: string; value: string; error: ApiError | null }) {
  const { t } = props.ctx;
  return (
    <Select
      name="timing"
      id={props.id}
      label={t.timing}
      value={props.value}
      error={errorFor(props.error, 'timing')}
      options={[
        { value: '', label: t.timingDefault },
        { value: 'immediately', label: t.immediately },
        { value: 'period_end', label: t.atPeriodEnd },
      ]}
    />
  );
}

export function ConsolePreview(props: {
  ctx: AdminContext;
  subscriptionId: string;
  draft: ConsoleChangeDraft;
  preview: ChangePreview;
}): JSX.Element {
  const { ctx, preview } = props;
  const { t, f } = ctx;
  return (
    <article id="change-preview" aria-live="polite">
      <h3 safe>{t.previewTitle}</h3>
      <p safe>
        {t.previewEffective(
          preview.timing === 'immediately' ? t.immediately : t.atPeriodEnd,
          f.dateTime(preview.effectiveAt),
        )}
      </p>
      {preview.intervalChange ? (
        <p id="interval-change" safe>
          {preview.intervalChange.newPeriod
            ? t.previewNewPeriod(
                t.perInterval(preview.intervalChange.to),
                f.dateTime(preview.intervalChange.newPeriod.start),
                f.dateTime(preview.intervalChange.newPeriod.end),
              )
            : t.previewNewInterval(t.perInterval(preview.intervalChange.to), f.dateTime(preview.effectiveAt))}
        </p>
      ) : (
        ''
      )}
      {preview.lines.length === 0 ? (
        <p safe>{t.noLines}</p>
      ) : (
        <PreviewLines
          preview={preview}
          f={f}
          labels={{
            title: t.previewTitle,
            description: t.description,
            period: t.period,
            amount: t.amount,
            total: t.total,
            periodRange: t.periodRange,
          }}
          note={preview.invoiceNow ? t.invoiceNow : null}
        />
      )}
      <p>
        <strong safe>{t.itemsAfter}</strong>: <span safe>{itemsText(preview.items)}</span>
      </p>
      <form method="post" action={`/admin/subscriptions/${props.subscriptionId}/change`}>
        <Csrf token={ctx.csrf} />
        <ChangeFields change={props.draft.change} />
        <input type="hidden" name="timing" value={preview.timing} />
        <button type="submit" safe>
          {t.confirmChange}
        </button>
      </form>
    </article>
  );
}

/** `change` (base plan), `addon`, `item:<id>`, or one of the lifecycle forms. */
export type ConsoleForm = string;

export function SubscriptionPage(props: {
  ctx: AdminContext;
  subscription: SubscriptionView;
  offers: { basePlans: PlanOffer[]; addOns: PlanOffer[] };
  invoices: InvoiceResponse[];
  payments: PaymentResponse[];
  temporalUrl: string | null;
  draft?: ConsoleChangeDraft;
  preview?: ChangePreview | null;
  error?: { form: ConsoleForm; error: ApiError } | null;
  notice?: Notice;
}): JSX.Element {
  const { ctx, subscription: s } = props;
  const { t, f } = ctx;
  const base = `/admin/subscriptions/${s.id}`;
  const errorOf = (form: ConsoleForm) => (props.error?.form === form ? props.error.error : null);
  const draft = props.draft;
  const baseChange =
    draft?.change.kind === 'base'
      ? draft.change
      : { kind: 'base' as const, planId: s.planId, quantity: s.quantity };
  const addChange = draft?.change.kind === 'add' ? draft.change : null;
  const shown = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? '' : value);
  const timingOf = (form: string) => (draft && consoleFormOf(draft.change) === form ? draft.timing : '');
  const admin = ctx.user.role === 'admin';
  const changeError = errorOf('change');
  // A refusal naming no field (a plan of another interval beside add-ons, a past-due subscription changing now) is
  // about the plan chosen: it shows beside the plan.
  const planError =
    changeError && (!changeError.param || changeError.param === 'plan_id') ? changeError : null;
  return (
    <AdminShell ctx={ctx} title={`${t.subscription} ${s.id}`} section="customers" notice={props.notice}>
      <hgroup>
        <h1 safe>{`${t.subscription} ${s.id}`}</h1>
        <p>
          <StatusTag status={s.status} label={t.statuses[s.status] ?? s.status} />{' '}
          <small safe>{s.live ? t.liveFromWorkflow : t.fromReadModel}</small>
        </p>
      </hgroup>
      <Facts
        facts={[
          [t.customer, markup(linkTo(`/admin/customers/${s.customerId}`, s.customerId))],
          [t.plan, `${s.planName} × ${s.quantity}`],
          [t.items, itemsText(s.items)],
          [t.currentPeriod, t.periodRange(f.dateTime(s.currentPeriodStart), f.dateTime(s.currentPeriodEnd))],
          [
            t.nextMoment,
            s.nextAction ? t.nextMomentValue(s.nextAction.type, f.dateTime(s.nextAction.at)) : '—',
          ],
          [
            t.scheduledChange,
            s.scheduledChange ? t.scheduledChangeValue(itemsText(s.scheduledChange.items)) : '—',
          ],
          [t.cancelAtPeriodEnd, s.cancelAtPeriodEnd ? f.dateTime(s.currentPeriodEnd) : '—'],
          [t.cancellationReason, s.cancellationReason ?? '—'],
          [
            t.paused,
            s.pause
              ? t.pausedValue(
                  f.dateTime(s.pause.since),
                  s.pause.resumesAt ? f.dateTime(s.pause.resumesAt) : null,
                )
              : '—',
          ],
          [
            t.dunningState,
            s.pastDue
              ? t.dunningValue(
                  s.pastDue.failedAttempts,
                  s.pastDue.nextRetryAt ? f.dateTime(s.pastDue.nextRetryAt) : null,
                )
              : '—',
          ],
          [
            t.workflow,
            markup(
              props.temporalUrl ? (
                <a href={props.temporalUrl} id="temporal-link" target="_blank" rel="noopener" safe>
                  {`${t.openInTemporal}: ${s.workflowId}`}
                </a>
              ) : (
                <code safe>{s.workflowId}</code>
              ),
            ),
          ],
        ]}
      />
      {admin ? (
        <section>
          <h2 safe>{t.actions}</h2>
          {['trialing', 'active', 'past_due'].includes(s.status) ? (
            <details open={props.preview || props.draft ? true : undefined}>
              <summary safe>{t.change}</summary>
              <form
                method="post"
                action={`${base}/change/preview`}
                hx-post={`${base}/change/preview`}
                hx-target="#change-preview-slot"
              >
                <Csrf token={ctx.csrf} />
                <FormError
                  error={planError ? null : changeError}
                  fields={['plan_id', 'quantity', 'timing']}
                />
                <Select
                  name="plan_id"
                  label={t.plan}
                  value={baseChange.planId ?? s.planId}
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
                  label={t.quantity}
                  value={shown(baseChange.quantity)}
                  min={1}
                  error={errorFor(errorOf('change'), 'quantity')}
                />
                <TimingSelect ctx={ctx} id="timing" value={timingOf('change')} error={errorOf('change')} />
                <input type="hidden" name="kind" value="base" />
                <button type="submit" class="secondary" safe>
                  {t.preview}
                </button>
              </form>
              {s.items.slice(1).map((item) => (
                <form
                  method="post"
                  action={`${base}/change/preview`}
                  hx-post={`${base}/change/preview`}
                  hx-target="#change-preview-slot"
                  class="addon-item"
                >
                  <Csrf token={ctx.csrf} />
                  <input type="hidden" name="item_id" value={item.id} />
                  <FormError error={errorOf(`item:${item.id}`)} fields={['quantity', 'timing']} />
                  <Input
                    name="quantity"
                    id={`quantity-${item.id}`}
                    type="number"
                    label={t.itemQuantity(item.name)}
                    value={
                      draft?.change.kind === 'update' && draft.change.itemId === item.id
                        ? shown(draft.change.quantity)
                        : item.quantity
                    }
                    min={1}
                    error={errorFor(errorOf(`item:${item.id}`), 'quantity')}
                  />
                  <TimingSelect
                    ctx={ctx}
                    id={`timing-${item.id}`}
                    value={timingOf(`item:${item.id}`)}
                    error={errorOf(`item:${item.id}`)}
                  />
                  <button type="submit" name="kind" value="update" class="secondary" safe>
                    {t.previewQuantity}
                  </button>{' '}
                  <button type="submit" name="kind" value="remove" class="secondary outline" safe>
                    {t.previewRemoval}
                  </button>
                </form>
              ))}
              {props.offers.addOns.length > 0 ? (
                <form
                  method="post"
                  action={`${base}/change/preview`}
                  hx-post={`${base}/change/preview`}
                  hx-target="#change-preview-slot"
                >
                  <Csrf token={ctx.csrf} />
                  <input type="hidden" name="kind" value="add" />
                  <FormError error={errorOf('addon')} fields={['plan_id', 'quantity', 'timing']} />
                  <Select
                    name="plan_id"
                    id="addon-plan_id"
                    label={t.addOn}
                    value={addChange?.planId ?? ''}
                    error={errorFor(errorOf('addon'), 'plan_id')}
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
                    label={t.quantity}
                    value={addChange ? shown(addChange.quantity) : 1}
                    min={1}
                    error={errorFor(errorOf('addon'), 'quantity')}
                  />
                  <TimingSelect
                    ctx={ctx}
                    id="addon-timing"
                    value={timingOf('addon')}
                    error={errorOf('addon')}
                  />
                  <button type="submit" class="secondary" safe>
                    {t.preview}
                  </button>
                </form>
              ) : (
                ''
              )}
              <div id="change-preview-slot">
                {props.preview && draft ? (
                  <ConsolePreview ctx={ctx} subscriptionId={s.id} draft={draft} preview={props.preview} />
                ) : (
                  ''
                )}
              </div>
            </details>
          ) : (
            ''
          )}
          {s.scheduledChange ? (
            <form method="post" action={`${base}/change/cancel`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('drop')} fields={[]} />
              <button type="submit" class="secondary" safe>
                {t.dropScheduledChange}
              </button>
            </form>
          ) : (
            ''
          )}
          {['trialing', 'active'].includes(s.status) ? (
            <details open={errorOf('pause') ? true : undefined}>
              <summary safe>{t.pause}</summary>
              <form method="post" action={`${base}/pause`}>
                <Csrf token={ctx.csrf} />
                <FormError error={errorOf('pause')} fields={['at', 'resumes_at']} />
                <Select
                  name="at"
                  label={t.pauseAt}
                  value="immediately"
                  options={[
                    { value: 'immediately', label: t.immediately },
                    { value: 'period_end', label: t.atPeriodEnd },
                  ]}
                />
                <Input
                  name="resumes_at"
                  type="date"
                  label={t.resumesAt}
                  error={errorFor(errorOf('pause'), 'resumes_at')}
                />
                <button type="submit" class="secondary" safe>
                  {t.pause}
                </button>
              </form>
            </details>
          ) : (
            ''
          )}
          {s.status === 'paused' ? (
            <form method="post" action={`${base}/resume`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('resume')} fields={[]} />
              <button type="submit" safe>
                {t.resume}
              </button>
            </form>
          ) : (
            ''
          )}
          {s.cancelAtPeriodEnd ? (
            <form method="post" action={`${base}/reactivate`}>
              <Csrf token={ctx.csrf} />
              <FormError error={errorOf('undo')} fields={[]} />
              <button type="submit" safe>
                {t.undoCancel}
              </button>
            </form>
          ) : (
            ''
          )}
          {!['canceled', 'ended'].includes(s.status) ? (
            <details open={errorOf('cancel') ? true : undefined}>
              <summary safe>{t.cancel}</summary>
              <form method="post" action={`${base}/cancel`}>
                <Csrf token={ctx.csrf} />
                <FormError error={errorOf('cancel')} fields={['at', 'unused', 'reason']} />
                <Select
                  name="at"
                  label={t.cancelAt}
                  value="period_end"
                  error={errorFor(errorOf('cancel'), 'at')}
                  options={[
                    { value: 'period_end', label: t.atPeriodEnd },
                    { value: 'immediately', label: t.immediately },
                  ]}
                />
                <Select
                  name="unused"
                  label={t.unused}
                  value="none"
                  error={errorFor(errorOf('cancel'), 'unused')}
                  options={['none', 'credit', 'refund'].map((value) => ({
                    value,
                    label: t.unusedOptions[value] ?? value,
                  }))}
                />
                <Input
                  name="reason"
                  label={t.reason}
                  maxlength={500}
                  error={errorFor(errorOf('cancel'), 'reason')}
                />
                <button type="submit" class="secondary" safe>
                  {t.cancel}
                </button>
              </form>
            </details>
          ) : (
            ''
          )}
        </section>
      ) : (
        ''
      )}
      <section>
        <h2 safe>{t.invoices}</h2>
        <DataTable
          label={t.invoices}
          head={invoiceHead(ctx)}
          rows={invoiceRows(ctx, props.invoices)}
          empty={t.none}
        />
      </section>
      <section>
        <h2 safe>{t.payments}</h2>
        <DataTable
          label={t.payments}
          head={paymentHead(ctx)}
          rows={paymentRows(ctx, props.payments)}
          empty={t.none}
        />
      </section>
    </AdminShell>
  );
}
