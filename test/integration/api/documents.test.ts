import PostalMime from 'postal-mime';
import request from 'supertest';
import { type ApiCall, customerWithCard, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { embeddedFacturXml, validateCii, validateUbl } from '../../support/einvoice-validation';
import { extractPdfText } from '../../support/pdf-text';

type Body = Record<string, unknown>;

/**
 * Credit notes as documents and e-invoices, through the API with the real worker: a subscription's first invoice
 * is made and paid by its workflow, then credited; the note's number, VAT lines, PDF, email and e-invoices are read
 * back, and every e-invoice is checked against the official schemas.
 */
describe('credit notes and e-invoices through the API', () => {
  let stack: ApiStack;
  let call: ApiCall;

  beforeAll(async () => {
    stack = await startApiStack('documents');
    call = supertestCall(stack.app, stack.auth);
    await ok(call, 'PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
      time_zone: 'Europe/Berlin',
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function file(path: string): Promise<{ status: number; type: string; body: Buffer }> {
    const response = await request(stack.app)
      .get(path)
      .set(stack.auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    return {
      status: response.status,
      type: String(response.headers['content-type']),
      body: response.body as Buffer,
    };
  }

  /** A business customer with a card and a monthly 19.00 subscription: its first invoice is 22.61 and paid. */
  async function paidInvoice(email: string, extra: Body = {}): Promise<{ customer: Body; invoice: Body }> {
    const product = await ok(call, 'POST', '/v1/products', { name: 'Coffee' });
    const plan = await ok(call, 'POST', '/v1/plans', {
      product_id: product.id,
      name: 'Monthly beans',
      interval: 'month',
      amounts: { EUR: 1900 },
    });
    const customer = await customerWithCard(call, {
      email,
      name: 'Kaffeehaus Süd GmbH',
      locale: 'de',
      country: 'DE',
      vat_id: 'DE987654321',
      address: { line1: 'Marktplatz 3', postal_code: '80331', city: 'München', country: 'DE' },
      ...extra,
    });
    await ok(call, 'POST', '/v1/subscriptions', { customer_id: customer.id, plan_id: plan.id });
    const list = await ok(call, 'GET', `/v1/invoices?customer_id=${String(customer.id)}`);
    const [invoice] = list.data as Body[];
    if (!invoice) throw new Error('the subscription made no invoice');
    expect(invoice).toMatchObject({ status: 'paid', total: 2261 });
    return { customer, invoice };
  }

  async function mailTo(address: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const message = stack.catcher
        .messages()
        .find(
          (candidate) =>
            candidate.envelopeTo.includes(address) && candidate.subject?.includes('Rechnungskorrektur'),
        );
      if (message) return PostalMime.parse(message.raw);
      if (Date.now() > deadline) throw new Error(`no credit note email to ${address}`);
      await stack.catcher.waitForMessages(stack.catcher.messages().length + 1, 2_000).catch(() => undefined);
    }
  }

  test('a credit note gets the next CN- number, the invoice’s VAT split, a PDF and one email with the PDF', async () => {
    const { customer, invoice } = await paidInvoice('pdf@kaffeehaus.example');
    const create = (amount: number, key: string) =>
      supertestCall(stack.app, { ...stack.auth, 'Idempotency-Key': key })('POST', '/v1/credit_notes', {
        invoice_id: invoice.id,
        amount,
        reason: 'Lieferung verspätet',
        outcome: 'refund',
      });
    const first = await create(1000, 'documents-cn-1');
    expect(first.status).toBe(201);
    // 10.00 of 22.61 at 19 %: 1000 × 1900/2261 = 840.3 → 840 net, 159.7 → 160 VAT (the larger remainder).
    expect(first.body).toMatchObject({
      object: 'credit_note',
      number: expect.stringMatching(/^CN-\d{4}-\d{6}$/),
      amount: 1000,
      lines: [{ rate_bp: 1900, taxable: 840, tax: 160, reverse_charge: false }],
    });
    const second = await create(500, 'documents-cn-2');
    const [, year, sequence] = /^CN-(\d{4})-(\d{6})$/.exec(String(first.body.number)) ?? [];
    // Gapless: the next note of the year has the next number; a repeated request keeps its own.
    expect(second.body.number).toBe(`CN-${year}-${String(Number(sequence) + 1).padStart(6, '0')}`);
    expect((await create(1000, 'documents-cn-1')).body.number).toBe(first.body.number);

    const pdf = await file(`/v1/credit_notes/${String(first.body.id)}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    const text = (await extractPdfText(pdf.body)).text.replace(/\u00a0/g, ' ');
    expect(text).toContain(String(first.body.number));
    expect(text).toContain(`Korrigiert Rechnung${String(invoice.number)}`);
    expect(text).toContain('8,40 €19 %1,60 €10,00 €');
    expect(text).toContain('USt. 19 % auf 8,40 €1,60 €');

    const email = await mailTo(String(customer.email));
    expect(email.subject).toBe(
      `Rechnungskorrektur ${String(first.body.number)} zu Rechnung ${String(invoice.number)}`,
    );
    expect(email.attachments.map((attachment) => [attachment.filename, attachment.mimeType])).toEqual([
      [`Rechnungskorrektur-${String(first.body.number)}.pdf`, 'application/pdf'],
    ]);
    const sent = stack.catcher
      .messages()
      .filter((message) => message.subject?.includes(String(first.body.number)));
    expect(sent).toHaveLength(1);
  });

  test('e-invoices need the seller’s contact; then every format of invoice and credit note validates', async () => {
    const { invoice } = await paidInvoice('einvoice@kaffeehaus.example');
    const refused = await call('GET', `/v1/invoices/${String(invoice.id)}/einvoice?format=xrechnung-cii`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'einvoice_unavailable' } });
    await ok(call, 'PUT', '/v1/settings/accounting', {
      einvoice: {
        contact_name: 'Buchhaltung',
        contact_phone: '+49 30 123456',
        contact_email: 'rechnung@roesterei.example',
      },
    });

    const cii = await file(`/v1/invoices/${String(invoice.id)}/einvoice?format=xrechnung-cii`);
    // The XML declares its own encoding (UTF-8) in its prolog.
    expect(cii.type).toBe('application/xml');
    const ciiXml = cii.body.toString('utf8');
    expect(await validateCii(ciiXml)).toEqual({ valid: true, errors: [] });
    expect(ciiXml).toContain(`<ram:ID>${String(invoice.number)}</ram:ID>`);
    expect(ciiXml).toContain('<ram:GrandTotalAmount>22.61</ram:GrandTotalAmount>');

    const ubl = (
      await file(`/v1/invoices/${String(invoice.id)}/einvoice?format=xrechnung-ubl`)
    ).body.toString('utf8');
    expect(await validateUbl(ubl, 'Invoice')).toEqual({ valid: true, errors: [] });
    expect(ubl).toContain('<cbc:TaxAmount currencyID="EUR">3.61</cbc:TaxAmount>');

    const zugferd = await file(`/v1/invoices/${String(invoice.id)}/einvoice?format=zugferd`);
    expect(zugferd.type).toBe('application/pdf');
    expect(await validateCii(embeddedFacturXml(zugferd.body))).toEqual({ valid: true, errors: [] });
    expect((await extractPdfText(zugferd.body)).text).toContain(String(invoice.number));

    const note = await ok(call, 'POST', '/v1/credit_notes', {
      invoice_id: invoice.id,
      amount: 2261,
      reason: 'Kulanz',
      outcome: 'credit_balance',
    });
    const noteCii = (
      await file(`/v1/credit_notes/${String(note.id)}/einvoice?format=xrechnung-cii`)
    ).body.toString('utf8');
    expect(await validateCii(noteCii)).toEqual({ valid: true, errors: [] });
    expect(noteCii).toContain('<ram:TypeCode>381</ram:TypeCode>');
    expect(noteCii).toContain(`<ram:IssuerAssignedID>${String(invoice.number)}</ram:IssuerAssignedID>`);
    const noteUbl = (
      await file(`/v1/credit_notes/${String(note.id)}/einvoice?format=xrechnung-ubl`)
    ).body.toString('utf8');
    expect(await validateUbl(noteUbl, 'CreditNote')).toEqual({ valid: true, errors: [] });
    // The whole invoice credited gives back exactly its tax line.
    expect(noteUbl).toContain('<cbc:TaxableAmount currencyID="EUR">19.00</cbc:TaxableAmount>');
    const noteZugferd = await file(`/v1/credit_notes/${String(note.id)}/einvoice?format=zugferd`);
    expect(await validateCii(embeddedFacturXml(noteZugferd.body))).toEqual({ valid: true, errors: [] });

    const bad = await call('GET', `/v1/invoices/${String(invoice.id)}/einvoice?format=pdf`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { param: 'format' } });
  });

  test('a customer who chose XRechnung gets the credit note as XRechnung XML by email', async () => {
    await ok(call, 'PUT', '/v1/settings/accounting', {
      einvoice: {
        contact_name: 'Buchhaltung',
        contact_phone: '+49 30 123456',
        contact_email: 'rechnung@roesterei.example',
      },
    });
    const { customer, invoice } = await paidInvoice('xrechnung@kaffeehaus.example', {
      invoice_delivery: 'xrechnung',
      buyer_reference: '04011000-12345-67',
    });
    expect(customer).toMatchObject({ invoice_delivery: 'xrechnung', buyer_reference: '04011000-12345-67' });
    const note = await ok(call, 'POST', '/v1/credit_notes', {
      invoice_id: invoice.id,
      amount: 500,
      reason: 'Kulanz',
      outcome: 'none',
    });
    const email = await mailTo(String(customer.email));
    const [attachment, ...others] = email.attachments;
    expect(others).toEqual([]);
    expect(attachment?.mimeType).toBe('application/xml');
    expect(attachment?.filename).toBe(`${String(note.number)}-xrechnung-cii.xml`);
    const content = attachment?.content;
    const xml =
      typeof content === 'string'
        ? content
        : Buffer.from(
            content instanceof ArrayBuffer ? new Uint8Array(content) : (content ?? new Uint8Array()),
          ).toString('utf8');
    expect(await validateCii(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain('<ram:BuyerReference>04011000-12345-67</ram:BuyerReference>');
  });
});
