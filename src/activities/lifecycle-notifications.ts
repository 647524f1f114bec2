import { Customer, Plan, SellerSettings } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { invoicePdfFilename, renderInvoicePdf } from '../documents/invoice-pdf';
import { money } from '../domain/money';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import { renderEmailTemplate } from '../mail/templates';
import type { EmailCommon, EmailTemplateInput } from '../mail/templates/types';
import type { SubscriptionState } from '../workflows/lifecycle/state';
import { loadInvoiceDocument } from './invoice-document';
import type { NotificationRequest } from './lifecycle.contract';
import { sendOnce } from './outbox';

export interface NotificationDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

const periodAmount = (state: SubscriptionState) =>
  money(state.plan.unitAmount * state.quantity, state.currency);

/**
 * The one way lifecycle emails leave: the workflow names the kind and its cause; this renders the customer's
 * language from the database and sends through the outbox, at most once per cause.
 */
export function createLifecycleNotificationActivities({ orm, mailer, publicUrl }: NotificationDeps) {
  return {
    async notify(request: NotificationRequest): Promise<void> {
      const em = orm.em.fork();
      const { state } = request;
      const [customer, seller, plan] = await Promise.all([
        em.findOneOrFail(Customer, state.customerId),
        em.findOne(SellerSettings, 1),
        em.findOneOrFail(Plan, state.plan.planId),
      ]);
      const common: EmailCommon = {
        customerName: customer.name,
        sellerName: seller?.name ?? 'Perennial',
        timeZone: state.timeZone,
      };
      const locale = customer.locale;
      const updatePaymentUrl = `${publicUrl}/portal/subscriptions/${state.subscriptionId}/payment_method`;
      const portalUrl = `${publicUrl}/portal/subscriptions/${state.subscriptionId}`;
      const attachments: NonNullable<OutgoingMail['attachments']> = [];

      let template: EmailTemplateInput;
      switch (request.kind) {
        case 'welcome':
          template = {
            kind: 'welcome',
            locale,
            data: { ...common, planName: plan.name, trialEndsAt: state.trialEnd ?? undefined, portalUrl },
          };
          break;
        case 'trial_ending':
          template = {
            kind: 'trial_ending',
            locale,
            data: {
              ...common,
              planName: plan.name,
              trialEndsAt: state.trialEnd ?? state.period.end,
              amount: periodAmount(state),
              hasPaymentMethod: state.paymentMethodId !== null,
              updatePaymentUrl,
            },
          };
          break;
        case 'upcoming_renewal':
          template = {
            kind: 'upcoming_renewal',
            locale,
            data: {
              ...common,
              planName: plan.name,
              renewsAt: state.period.end,
              amount: periodAmount(state),
              portalUrl,
            },
          };
          break;
        case 'receipt': {
          const document = await loadInvoiceDocument(em, request.invoiceId as string, state.timeZone);
          const { invoice } = document;
          attachments.push({
            filename: invoicePdfFilename(document.input.invoice.number, locale),
            content: await renderInvoicePdf(document.input),
            contentType: 'application/pdf',
          });
          template = {
            kind: 'receipt',
            locale,
            data: {
              ...common,
              invoice: {
                number: document.input.invoice.number,
                currency: invoice.currency,
                lines: document.lines,
                subtotal: invoice.subtotal,
                taxes: invoice.taxes,
                total: invoice.total,
                creditApplied: invoice.creditApplied,
                amountDue: invoice.amountDue,
                notes: invoice.notes,
              },
              paidAt: (invoice.paidAt ?? invoice.finalizedAt ?? invoice.createdAt).toISOString(),
              periodStart: invoice.periodStart?.toISOString(),
              periodEnd: invoice.periodEnd?.toISOString(),
              pdfAttached: true,
            },
          };
          break;
        }
        case 'payment_failed':
        case 'dunning_reminder':
        case 'dunning_second_reminder':
        case 'dunning_final_notice': {
          const document = await loadInvoiceDocument(em, request.invoiceId as string, state.timeZone);
          const failed = {
            ...common,
            invoiceNumber: document.input.invoice.number,
            amount: money(
              document.invoice.amountDue - document.invoice.amountPaid,
              document.invoice.currency,
            ),
            nextRetryAt: state.dunning?.nextRetryAt ?? state.period.end,
            updatePaymentUrl,
            incompleteExpiresAt: state.status === 'incomplete' ? state.incompleteExpiresAt : null,
          };
          template =
            request.kind === 'dunning_final_notice'
              ? {
                  kind: request.kind,
                  locale,
                  data: { ...failed, finalAction: seller?.dunningPolicy.finalAction ?? 'cancel' },
                }
              : { kind: request.kind, locale, data: failed };
          break;
        }
        case 'paused':
          template = {
            kind: 'paused',
            locale,
            data: {
              ...common,
              planName: plan.name,
              pausedAt: state.pause?.since ?? state.period.end,
              resumesAt: state.pause?.resumesAt ?? undefined,
            },
          };
          break;
        case 'resumed':
          template = {
            kind: 'resumed',
            locale,
            data: {
              ...common,
              planName: plan.name,
              resumedAt: state.anchor,
              nextBillingAt: state.period.end,
            },
          };
          break;
        case 'plan_changed': {
          const previous = request.previousPlanId ? await em.findOne(Plan, request.previousPlanId) : null;
          template = {
            kind: 'plan_changed',
            locale,
            data: {
              ...common,
              fromPlanName: previous?.name ?? plan.name,
              toPlanName: plan.name,
              effectiveAt: state.period.start,
              newAmount: periodAmount(state),
              interval: state.interval,
            },
          };
          break;
        }
        case 'canceled':
          template = {
            kind: 'canceled',
            locale,
            data: {
              ...common,
              planName: plan.name,
              endsAt: state.canceledAt ?? state.period.end,
              atPeriodEnd: state.canceledAt === state.period.end,
              portalUrl,
            },
          };
          break;
      }

      const rendered = renderEmailTemplate(template);
      await sendOnce({ orm, mailer }, request.cause, request.kind, {
        to: customer.email,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        attachments,
      });
    },
  };
}
