import request from 'supertest';
import { WebhookEndpoint } from '../../../src/db/entities';
import {
  createdWebhookEndpointResponseSchema,
  deletedWebhookEndpointSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
} from '../../../src/api/schemas/webhooks';
import { documented, documentedError, startApiHarness, type ApiHarness } from '../api/harness';

describe('webhook endpoints API: /v1/webhook_endpoints', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const create = (body: object) => request(h.app).post('/v1/webhook_endpoints').set(h.auth).send(body);

  it('creates an endpoint and shows its whsec_ secret only in the creating response', async () => {
    const created = documented(
      createdWebhookEndpointResponseSchema,
      await create({ url: 'https://hooks.example.test/perennial', enabled_events: ['invoice.paid'] }).expect(
        201,
      ),
    );
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: 'https://hooks.example.test/perennial',
      enabled_events: ['invoice.paid'],
      status: 'enabled',
      disabled_at: null,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const stored = await h.db.orm.em.fork().findOneOrFail(WebhookEndpoint, created.id);
    expect(stored.secret).toBe(created.secret);

    const fetched = await request(h.app).get(`/v1/webhook_endpoints/${created.id}`).set(h.auth).expect(200);
    expect(documented(webhookEndpointResponseSchema, fetched)).not.toHaveProperty('secret');
    const list = documented(
      webhookEndpointListSchema,
      await request(h.app).get('/v1/webhook_endpoints').set(h.auth).expect(200),
    );
    expect(list.data.map((endpoint) => endpoint.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.secret);
  });

  it('refuses URLs that are not http(s), malformed event types, and "*" mixed with other types', async () => {
    for (const [body, param] of [
      [{ url: 'ftp://example.test/hook', enabled_events: ['*'] }, 'url'],
      [{ url: 'not a url', enabled_events: ['*'] }, 'url'],
      [{ url: 'https://example.test/hook', enabled_events: [] }, 'enabled_events'],
      [{ url: 'https://example.test/hook', enabled_events: ['Invoice Paid'] }, 'enabled_events.0'],
      [{ url: 'https://example.test/hook', enabled_events: ['*', 'invoice.paid'] }, 'enabled_events'],
      [{ url: 'https://example.test/hook', enabled_events: ['*'], secret: 'mine' }, 'secret'],
    ] as const) {
      const error = documentedError(await create(body).expect(400));
      expect({ body, param: error.param }).toEqual({ body, param });
    }
  });

  it('updates url, events and status; disabling records when, enabling clears it', async () => {
    const { id } = (await create({ url: 'http://127.0.0.1:9/a', enabled_events: ['*'] }).expect(201)).body;
    const update = (body: object) =>
      request(h.app).post(`/v1/webhook_endpoints/${id}`).set(h.auth).send(body).expect(200);

    const disabled = documented(webhookEndpointResponseSchema, await update({ status: 'disabled' }));
    expect(disabled.status).toBe('disabled');
    expect(disabled.disabled_at).not.toBeNull();
    const changed = documented(
      webhookEndpointResponseSchema,
      await update({
        url: 'https://example.test/b',
        enabled_events: ['subscription.canceled'],
        status: 'enabled',
      }),
    );
    expect(changed).toMatchObject({
      url: 'https://example.test/b',
      enabled_events: ['subscription.canceled'],
      status: 'enabled',
      disabled_at: null,
    });
  });

  it('deletes an endpoint; unknown and malformed ids are 404', async () => {
    const { id } = (await create({ url: 'https://example.test/c', enabled_events: ['*'] }).expect(201)).body;
    const deleted = await request(h.app).delete(`/v1/webhook_endpoints/${id}`).set(h.auth).expect(200);
    expect(documented(deletedWebhookEndpointSchema, deleted)).toEqual({
      id,
      object: 'webhook_endpoint',
      deleted: true,
    });
    await request(h.app).get(`/v1/webhook_endpoints/${id}`).set(h.auth).expect(404);
    await request(h.app).delete(`/v1/webhook_endpoints/${id}`).set(h.auth).expect(404);
    await request(h.app).get('/v1/webhook_endpoints/nope').set(h.auth).expect(404);
  });

  it('needs an API key', async () => {
    await request(h.app).get('/v1/webhook_endpoints').expect(401);
    await request(h.app)
      .post('/v1/webhook_endpoints')
      .send({ url: 'https://example.test', enabled_events: ['*'] })
      .expect(401);
  });
});
