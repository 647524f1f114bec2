import { Customer, Plan } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { renderLifecycleEmail } from '../mail/lifecycle-email';
import type { Mailer } from '../mail/mailer';
import { migrateState } from '../workflows/lifecycle/legacy/migrate';
import type { NotificationRequest } from './legacy.contract';
import { sendOnce } from './outbox';

export interface NotificationDeps {
  orm: Orm;
  mailer: Mailer;
  publicUrl: string;
}

/**
 * `notify` as schema version 1 runs call it: rendered by the same templates as the outbox relay's emails, sent at
 * once through the outbox row of its cause (at most once per cause).
 */
export function createLegacyNotificationActivities({ orm, mailer, publicUrl }: NotificationDeps) {
  return {
    async notify(request: NotificationRequest): Promise<void> {
      const em = orm.em.fork();
      const state = migrateState(request.state);
      const [plan, previous] = await Promise.all([
        em.findOneOrFail(Plan, request.state.plan.planId),
        request.previousPlanId ? em.findOne(Plan, request.previousPlanId) : null,
      ]);
      const named = { ...state, items: state.items.map((item) => ({ ...item, name: plan.name })) };
      const mail = await renderLifecycleEmail(
        em,
        {
          kind: request.kind,
          cause: request.cause,
          state: named,
          at: state.period.start,
          ...(request.invoiceId ? { invoiceId: request.invoiceId } : {}),
          ...(previous
            ? { previousItems: named.items.map((item) => ({ ...item, name: previous.name })) }
            : {}),
        },
        { publicUrl },
      );
      const customer = await em.findOneOrFail(Customer, request.state.customerId);
      await sendOnce({ orm, mailer }, request.cause, request.kind, {
        to: customer.email,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        ...(mail.attachments ? { attachments: mail.attachments } : {}),
      });
    },
  };
}
