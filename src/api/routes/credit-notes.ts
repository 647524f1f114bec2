import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { loadCreditNoteDocument } from '../../activities/credit-note-document';
import { creditNoteEInvoiceAttachment } from '../../activities/einvoice-attachment';
import { type CreditNoteView, creditInvoice, creditNoteParts, partsOf } from '../../billing/credit-notes';
import { CreditNote } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { creditNotePdfFilename, renderCreditNotePdf } from '../../documents/credit-note-pdf';
import type { PaymentGateway } from '../../gateways';
import type { Logger } from '../../logging';
import type { Mailer } from '../../mail/mailer';
import type { EventPublisher } from '../../webhooks/publish';
import { AppError } from '../errors';
import { businessKey, requireGateway } from '../money-requests';
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
import { serializeRefund } from './refunds';

const creditNoteParams = idParamsSchema('cn', 'a credit note');

function serializeCreditNote({ creditNote, lines, refunds }: CreditNoteView): CreditNoteResponse {
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
    lines: lines.map((line) => ({
      description: line.description,
      rate_bp: line.rateBp,
      taxable: line.taxable,
      tax: line.tax,
      reverse_charge: line.reverseCharge,
    })),
    refunds: refunds.map(serializeRefund),
    created_at: creditNote.createdAt.toISOString(),
  };
}

/**
 * Credit notes correct a paid invoice, which itself never changes. A `refund` outcome returns the credited amount
 * through the gateway, spread over the invoice's charges oldest first.
 */
export function creditNotesRouter(
  orm: Orm,
  registry: RouteRegistry,
  deps: { gateway: PaymentGateway | undefined; publish: EventPublisher; mailer?: Mailer; logger: Logger },
): Router {
  const router = Router();

  async function find(id: string): Promise<CreditNote> {
    const note = await orm.em.findOne(CreditNote, id);
    if (!note) throw new AppError('not_found', 'resource_missing', `No such credit note: ${id}`, 'id');
    return note;
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
    async ({ body, req }) =>
      serializeCreditNote(
        await creditInvoice(
          {
            orm,
            gateway: body.outcome === 'refund' ? requireGateway(deps.gateway) : undefined,
            publish: deps.publish,
            mailer: deps.mailer,
            logger: req.log ?? deps.logger,
          },
          {
            invoiceId: body.invoice_id,
            amount: body.amount,
            reason: body.reason,
            outcome: body.outcome,
            key: businessKey(req, 'credit_note'),
          },
        ),
      ),
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
      const parts = await creditNoteParts(orm.em, page.items);
      return {
        object: 'list' as const,
        data: page.items.map((note) => serializeCreditNote(partsOf(note, parts))),
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
      return serializeCreditNote(partsOf(note, await creditNoteParts(orm.em, [note])));
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
      const file = await creditNoteEInvoiceAttachment(orm.em.fork(), params.id, query.format);
      return { ...file, disposition: 'attachment', body: file.content };
    },
  );

  return router;
}
