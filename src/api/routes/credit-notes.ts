import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Router } from 'express';
import { loadCreditNoteDocument } from '../../activities/credit-note-document';
import { sendCreditNoteEmail } from '../../activities/credit-note-notifications';
import { creditNoteEInvoiceAttachment } from '../../activities/einvoice-attachment';
import {
  CreditNote,
  CreditNoteLine,
  type DomainEvent,
  Invoice,
  PaymentAttempt,
  Refund,
} from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { createCreditNote } from '../../db/services/credit-notes';
import { creditNotePdfFilename, renderCreditNotePdf } from '../../documents/credit-note-pdf';
import { EInvoiceError } from '../../documents/einvoice';
import type { PaymentGateway } from '../../gateways';
import type { Mailer } from '../../mail/mailer';
import type { EventPublisher } from '../../webhooks/publish';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineFileRoute, defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  creditNoteListSchema,
  creditNoteResponseSchema,
  type CreditNoteResponse,
  createCreditNoteSchema,
  eInvoiceQuerySchema,
  listCreditNotesQuerySchema,
} from '../schemas/credit-notes';
import { refundedByAttempt } from './payments';
import { businessKey, fromMoneyError, refundAttempt, requireGateway, serializeRefund } from './refunds';

const creditNoteParams = idParamsSchema('cn', 'a credit note');

/** Each refund of a credit note is keyed by the note and the attempt it returns money on. */
const refundKeyPrefix = (creditNote: CreditNote) => `credit_note:${creditNote.id}:`;

function serializeCreditNote(
  creditNote: CreditNote,
  lines: CreditNoteLine[],
  refunds: Refund[],
): CreditNoteResponse {
  const prefix = refundKeyPrefix(creditNote);
  return {
    id: creditNote.id,
    object: 'credit_note',
    number: creditNote.number,
    invoice_id: creditNote.invoice.id,
    customer_id: creditNote.customer.id,
    amount: creditNote.amount,
    currency: creditNote.currency,
    reason: creditNote.reason,
    outcome: creditNote.outcome,
    lines: lines
      .filter((line) => line.creditNote.id === creditNote.id)
      .map((line) => ({
        description: line.description,
        rate_bp: line.rateBp,
        taxable: line.taxable,
        tax: line.tax,
        reverse_charge: line.reverseCharge,
      })),
    refunds: refunds.filter((refund) => refund.idempotencyKey.startsWith(prefix)).map(serializeRefund),
    created_at: creditNote.createdAt.toISOString(),
  };
}

async function refundsOf(em: EntityManager, notes: CreditNote[]): Promise<Refund[]> {
  const withRefunds = notes.filter((note) => note.outcome === 'refund');
  if (withRefunds.length === 0) return [];
  return em.find(
    Refund,
    { $or: withRefunds.map((note) => ({ idempotencyKey: { $like: `${refundKeyPrefix(note)}%` } })) },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

async function linesOf(em: EntityManager, notes: CreditNote[]): Promise<CreditNoteLine[]> {
  if (notes.length === 0) return [];
  return em.find(
    CreditNoteLine,
    { creditNote: { $in: notes.map((note) => note.id) } },
    { orderBy: { creditNote: 'asc', position: 'asc' } },
  );
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
 * Credit notes correct a paid invoice, which itself never changes. A `refund` outcome returns the credited amount
 * through the gateway, spread over the invoice's charges oldest first.
 */
export function creditNotesRouter(
  orm: Orm,
  registry: RouteRegistry,
  gateway: PaymentGateway | undefined,
  publish: EventPublisher,
  mailer?: Mailer,
): Router {
  const router = Router();

  async function find(id: string): Promise<CreditNote> {
    const note = await orm.em.findOne(CreditNote, id);
    if (!note) throw new AppError('not_found', 'resource_missing', `No such credit note: ${id}`, 'id');
    return note;
  }

  /**
   * Refunds what the note still owes the card; parts refunded by an earlier try are found by their keys. Returns
   * the events of the refunds, for their webhooks.
   */
  async function settleRefund(em: EntityManager, note: CreditNote): Promise<(DomainEvent | null)[]> {
    const events: (DomainEvent | null)[] = [];
    const prefix = refundKeyPrefix(note);
    let owed = note.amount;
    for (const { attempt, remaining } of await refundable(em, note.invoice.id)) {
      if (owed <= 0) break;
      const key = `${prefix}${attempt.id}`;
      const earlier = await em.findOne(Refund, { idempotencyKey: key });
      const amount = earlier ? earlier.amount : Math.min(owed, remaining);
      if (amount <= 0) continue;
      const { event } = await refundAttempt(em, requireGateway(gateway), attempt, amount, key, note.reason);
      events.push(event);
      owed -= amount;
    }
    // Only a concurrent refund between the route's check and this loop gets here; the note stays, and the same
    // Idempotency-Key resumes its refunds, so the answer must not claim the money went back.
    if (owed > 0) {
      throw new AppError(
        'conflict',
        'amount_exceeds_refundable',
        `Credit note ${note.id} still owes ${owed} ${note.currency}, more than the invoice's charges have left`,
        'amount',
      );
    }
    return events;
  }

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/credit_notes',
      operationId: 'createCreditNote',
      summary: 'Credit a paid invoice',
      description:
        'Credits part or all of a paid invoice: to the customer balance (`credit_balance`), back to the card ' +
        '(`refund`, through the payment gateway) or nowhere (`none`). The credited amounts of an invoice never ' +
        'exceed its total. The same Idempotency-Key creates one note and refunds once. An open invoice is voided ' +
        'instead. The note is a document: a number from its own gapless series per year, one line per VAT rate ' +
        'of the invoice (the amount split pro rata of its tax lines), a PDF (`GET /v1/credit_notes/{id}/pdf`) and ' +
        'an e-invoice; it is emailed to the customer once. Emits `credit_note.created`, and `refund.created` for ' +
        'each refund it makes.',
      tag: 'Credit notes',
      body: createCreditNoteSchema,
      response: creditNoteResponseSchema,
      status: 201,
      errors: [400, 404, 409, 503],
    },
    async ({ body, req }) => {
      const em = orm.em.fork();
      const invoice = await em.findOne(Invoice, body.invoice_id);
      if (!invoice) {
        throw new AppError(
          'not_found',
          'resource_missing',
          `No such invoice: ${body.invoice_id}`,
          'invoice_id',
        );
      }
      const key = businessKey(req, 'credit_note');
      if (body.outcome === 'refund') {
        requireGateway(gateway);
        const existing = await em.findOne(CreditNote, { idempotencyKey: key });
        // Checked before the note exists, so a refund the charges cannot cover leaves no note behind.
        const cash = (await refundable(em, invoice.id)).reduce((acc, part) => acc + part.remaining, 0);
        if (!existing && invoice.status === 'paid' && body.amount > cash) {
          throw new AppError(
            'conflict',
            'amount_exceeds_refundable',
            `Invoice ${invoice.id} has ${cash} ${invoice.currency} of charges left to refund; ${body.amount} requested`,
            'amount',
          );
        }
      }
      try {
        const { creditNote, event } = await createCreditNote(em, {
          invoiceId: invoice.id,
          amount: body.amount,
          reason: body.reason,
          outcome: body.outcome,
          idempotencyKey: key,
        });
        // The note's own webhook goes out even if its refund fails below; it exists either way.
        await publish([event]);
        if (creditNote.outcome === 'refund') await publish(await settleRefund(em, creditNote));
        if (mailer) {
          // Once per note (outbox). A mail server that is down does not undo the credit: the outbox row stays
          // pending (visible in /metrics) rather than failing a request whose money has already moved.
          await sendCreditNoteEmail({ orm, mailer }, creditNote.id).catch((error: unknown) =>
            req.log.warn({ err: error, creditNoteId: creditNote.id }, 'credit note email not sent'),
          );
        }
        return serializeCreditNote(
          creditNote,
          await linesOf(em, [creditNote]),
          await refundsOf(em, [creditNote]),
        );
      } catch (error) {
        const mapped = fromMoneyError(error);
        if (mapped instanceof AppError && mapped.code === 'invalid_state') {
          throw new AppError('conflict', 'invoice_not_paid', (error as Error).message, 'invoice_id');
        }
        throw mapped;
      }
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/credit_notes',
      operationId: 'listCreditNotes',
      summary: 'List credit notes, oldest first',
      tag: 'Credit notes',
      query: listCreditNotesQuerySchema,
      response: creditNoteListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<CreditNote> = {
        ...(query.invoice_id ? { invoice: query.invoice_id } : {}),
        ...(query.customer_id ? { customer: query.customer_id } : {}),
      };
      const page = await paginate(orm.em, CreditNote, where, query);
      const [lines, refunds] = await Promise.all([
        linesOf(orm.em, page.items),
        refundsOf(orm.em, page.items),
      ]);
      return {
        object: 'list' as const,
        data: page.items.map((note) => serializeCreditNote(note, lines, refunds)),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/credit_notes/:id',
      operationId: 'getCreditNote',
      summary: 'Retrieve a credit note with its refunds',
      tag: 'Credit notes',
      params: creditNoteParams,
      response: creditNoteResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const note = await find(params.id);
      return serializeCreditNote(note, await linesOf(orm.em, [note]), await refundsOf(orm.em, [note]));
    },
  );

  defineFileRoute(
    router,
    registry,
    {
      path: '/credit_notes/:id/pdf',
      operationId: 'getCreditNotePdf',
      summary: 'The credit note as a PDF in the customer’s language',
      description:
        'Its number, the invoice it corrects, the credited amount split by VAT rate, and what happens to the money.',
      tag: 'Credit notes',
      params: creditNoteParams,
      errors: [404],
      produces: ['application/pdf'],
    },
    async ({ params }) => {
      await find(params.id);
      const document = await loadCreditNoteDocument(orm.em.fork(), params.id);
      return {
        contentType: 'application/pdf',
        filename: creditNotePdfFilename(document.creditNote.number, document.input.locale),
        disposition: 'inline',
        body: await renderCreditNotePdf(document.input),
      };
    },
  );

  defineFileRoute(
    router,
    registry,
    {
      path: '/credit_notes/:id/einvoice',
      operationId: 'getCreditNoteEInvoice',
      summary: 'The credit note as an EN 16931 e-invoice (XRechnung CII or UBL, or ZUGFeRD)',
      description:
        'A credit note (type 381) referring to the invoice it corrects. Answers 409 `einvoice_unavailable` while the ' +
        'seller’s e-invoice contact (PUT /v1/settings/accounting) is not set.',
      tag: 'Credit notes',
      params: creditNoteParams,
      query: eInvoiceQuerySchema,
      errors: [400, 404, 409],
      produces: ['application/xml', 'application/pdf'],
    },
    async ({ params, query }) => {
      await find(params.id);
      try {
        const file = await creditNoteEInvoiceAttachment(orm.em.fork(), params.id, query.format);
        return { ...file, disposition: 'attachment', body: file.content };
      } catch (error) {
        if (error instanceof EInvoiceError)
          throw new AppError('conflict', 'einvoice_unavailable', error.message);
        throw error;
      }
    },
  );

  return router;
}
