import type { EntityManager } from '@mikro-orm/postgresql';
import { sendCreditNoteEmail } from '../activities/credit-note-notifications';
import {
  CreditNote,
  CreditNoteLine,
  type CreditNoteOutcome,
  type DomainEvent,
  Invoice,
  PaymentAttempt,
  Refund,
} from '../db/entities';
import type { Orm } from '../db/orm.config';
import { createCreditNote } from '../db/services/credit-notes';
import { StoreError } from '../db/services/errors';
import { refundedByAttempt, refundPayment } from '../db/services/refunds';
import type { PaymentGateway } from '../gateways';
import type { Logger } from '../logging';
import type { Mailer } from '../mail/mailer';
import type { EventPublisher } from '../webhooks/publish';

export interface CreditNoteDeps {
  orm: Orm;
  /** Needed for a `refund` outcome only (the caller answers its absence). */
  gateway: PaymentGateway | undefined;
  publish: EventPublisher;
  /** Sends the note to the customer; without one it is not emailed. */
  mailer: Mailer | undefined;
  logger: Logger;
}

export interface CreditNoteRequest {
  invoiceId: string;
  amount: number;
  reason: string;
  outcome: CreditNoteOutcome;
  /** The business key (caller and Idempotency-Key): one note, and one refund per charge, per key. */
  key: string;
}

/** A note with what the API shows of it. */
export interface CreditNoteView {
  creditNote: CreditNote;
  lines: CreditNoteLine[];
  refunds: Refund[];
}

/** Each refund of a credit note is keyed by the note and the attempt it returns money on. */
export const refundKeyPrefix = (creditNote: CreditNote): string => `credit_note:${creditNote.id}:`;

/** The lines and refunds of some notes, for showing them; a note's own are picked by `partsOf`. */
export async function creditNoteParts(
  em: EntityManager,
  notes: readonly CreditNote[],
): Promise<{ lines: CreditNoteLine[]; refunds: Refund[] }> {
  if (notes.length === 0) return { lines: [], refunds: [] };
  const withRefunds = notes.filter((note) => note.outcome === 'refund');
  const [lines, refunds] = await Promise.all([
    em.find(
      CreditNoteLine,
      { creditNote: { $in: notes.map((note) => note.id) } },
      { orderBy: { creditNote: 'asc', position: 'asc' } },
    ),
    withRefunds.length === 0
      ? Promise.resolve([])
      : em.find(
          Refund,
          { $or: withRefunds.map((note) => ({ idempotencyKey: { $like: `${refundKeyPrefix(note)}%` } })) },
          { orderBy: { createdAt: 'asc', id: 'asc' } },
        ),
  ]);
  return { lines, refunds };
}

/** The parts of one note out of the parts of several. */
export function partsOf(
  note: CreditNote,
  parts: { lines: CreditNoteLine[]; refunds: Refund[] },
): CreditNoteView {
  const prefix = refundKeyPrefix(note);
  return {
    creditNote: note,
    lines: parts.lines.filter((line) => line.creditNote.id === note.id),
    refunds: parts.refunds.filter((refund) => refund.idempotencyKey.startsWith(prefix)),
  };
}

/** What the invoice's succeeded charges can still give back, oldest charge first. */
async function refundable(em: EntityManager, invoiceId: string) {
  const attempts = await em.find(
    PaymentAttempt,
    { invoice: invoiceId, status: 'succeeded' },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  const refunded = await refundedByAttempt(em, attempts);
  return attempts.map((attempt) => ({
    attempt,
    remaining: attempt.amount - (refunded.get(attempt.id) ?? 0),
  }));
}

/**
 * Refunds what the note still owes the card, over the invoice's charges oldest first; parts refunded by an earlier
 * try are found by their keys. Returns the events of the refunds, for their webhooks.
 */
async function settleRefund(
  em: EntityManager,
  gateway: PaymentGateway,
  note: CreditNote,
): Promise<(DomainEvent | null)[]> {
  const events: (DomainEvent | null)[] = [];
  const prefix = refundKeyPrefix(note);
  let owed = note.amount;
  for (const { attempt, remaining } of await refundable(em, note.invoice.id)) {
    if (owed <= 0) break;
    const key = `${prefix}${attempt.id}`;
    const earlier = await em.findOne(Refund, { idempotencyKey: key });
    const amount = earlier ? earlier.amount : Math.min(owed, remaining);
    if (amount <= 0) continue;
    const { event } = await refundPayment(em, gateway, {
      paymentAttemptId: attempt.id,
      amount,
      idempotencyKey: key,
      reason: note.reason,
    });
    events.push(event);
    owed -= amount;
  }
  // Only a concurrent refund between the check before the note and this loop gets here; the note stays, and the same
  // key resumes its refunds, so the answer must not claim the money went back.
  if (owed > 0) {
    throw new StoreError(
      'amount_exceeds_refundable',
      `Credit note ${note.id} still owes ${owed} ${note.currency}, more than the invoice's charges have left`,
    );
  }
  return events;
}

/**
 * Credits part or all of a paid invoice, once per key: to the customer's balance, back to the card over the
 * invoice's charges, or nowhere. A refund the charges cannot cover is refused before the note exists. The note's
 * webhooks go out even if its refund then fails (it exists either way), and it is emailed to the customer once.
 */
export async function creditInvoice(
  deps: CreditNoteDeps,
  request: CreditNoteRequest,
): Promise<CreditNoteView> {
  const em = deps.orm.em.fork();
  const invoice = await em.findOne(Invoice, request.invoiceId);
  if (!invoice) throw new StoreError('not_found', `No such invoice: ${request.invoiceId}`, 'invoice_id');
  const gateway = request.outcome === 'refund' ? deps.gateway : undefined;
  if (request.outcome === 'refund' && !gateway) throw new Error('A refund outcome needs a payment gateway');
  if (gateway) {
    const existing = await em.findOne(CreditNote, { idempotencyKey: request.key });
    const cash = (await refundable(em, invoice.id)).reduce((acc, part) => acc + part.remaining, 0);
    if (!existing && invoice.status === 'paid' && request.amount > cash) {
      throw new StoreError(
        'amount_exceeds_refundable',
        `Invoice ${invoice.id} has ${cash} ${invoice.currency} of charges left to refund; ${request.amount} requested`,
      );
    }
  }
  const { creditNote, event } = await createCreditNote(em, {
    invoiceId: invoice.id,
    amount: request.amount,
    reason: request.reason,
    outcome: request.outcome,
    idempotencyKey: request.key,
  });
  await deps.publish([event]);
  if (gateway && creditNote.outcome === 'refund')
    await deps.publish(await settleRefund(em, gateway, creditNote));
  if (deps.mailer) {
    // Once per note (outbox). A mail server that is down does not undo the credit: the outbox row stays pending
    // (visible in /metrics) rather than failing a request whose money has already moved.
    await sendCreditNoteEmail({ orm: deps.orm, mailer: deps.mailer }, creditNote.id).catch((error: unknown) =>
      deps.logger.warn({ err: error, creditNoteId: creditNote.id }, 'credit note email not sent'),
    );
  }
  return partsOf(creditNote, await creditNoteParts(em, [creditNote]));
}
