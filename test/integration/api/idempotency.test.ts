import express from 'express';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { errorHandler } from '../../../src/api/errors';
import { idempotency, requestHash } from '../../../src/api/idempotency';
import { customerResponseSchema } from '../../../src/api/schemas/customers';
import { createApiKey } from '../../../src/db/api-keys';
import { createLogger } from '../../../src/logging';
import { countRows, documented, documentedError, startApiHarness, type ApiHarness } from './harness';

describe('Idempotency-Key on POST', () => {
  let h: ApiHarness;
  let n = 0;
  const uniqueKey = () => `key-${Date.now()}-${(n += 1)}`;
  const customer = (email: string) => ({ email, name: 'Ada', country: 'DE' });
  const customersWith = async (email: string) =>
    Number(
      (
        await h.db.orm.em
          .getConnection()
          .execute<{ count: string }[]>('select count(*)::text as count from customers where email = ?', [
            email,
          ])
      )[0]?.count,
    );

  beforeAll(async () => {
    h = await startApiHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  test('a retried request gets the stored response, marked as replayed, and creates nothing more', async () => {
    const key = uniqueKey();
    const first = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('replay@example.test'))
      .expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same request with its keys in another order: still the same request.
    const second = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send({ country: 'DE', name: 'Ada', email: 'replay@example.test' })
      .expect(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(documented(customerResponseSchema, second)).toEqual(first.body);
    expect(await customersWith('replay@example.test')).toBe(1);
  });

  test('the same key with a different body or path is a 409 and changes nothing', async () => {
    const key = uniqueKey();
    await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('reused@example.test'))
      .expect(201);
    const otherBody = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('someone-else@example.test'))
      .expect(409);
    expect(documentedError(otherBody)).toMatchObject({ type: 'conflict', code: 'idempotency_key_reused' });
    const otherPath = await request(h.app)
      .post('/v1/products')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send({ name: 'Beans' })
      .expect(409);
    expect(documentedError(otherPath).code).toBe('idempotency_key_reused');
    expect(await customersWith('someone-else@example.test')).toBe(0);
    expect(await countRows(h.db, 'products')).toBe(0);
  });

  test('keys are scoped per API key: another key holder using the same key gets its own effect', async () => {
    const key = uniqueKey();
    const { secret } = await createApiKey(h.db.orm.em.fork(), 'second');
    const mine = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('scoped@example.test'))
      .expect(201);
    const theirs = await request(h.app)
      .post('/v1/customers')
      .set({ Authorization: `Bearer ${secret}`, 'Idempotency-Key': key })
      .send(customer('scoped@example.test'))
      .expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  test('concurrent identical requests have one effect and all get the same answer', async () => {
    const key = uniqueKey();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(h.app)
          .post('/v1/customers')
          .set({ ...h.auth, 'Idempotency-Key': key })
          .send(customer('concurrent@example.test')),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(
      7,
    );
    expect(await customersWith('concurrent@example.test')).toBe(1);
    const records = await h.db.orm.em
      .getConnection()
      .execute<{ count: string }[]>('select count(*)::text as count from idempotency_records where key = ?', [
        key,
      ]);
    expect(records[0]?.count).toBe('1');
  });

  test('a request that fails stores nothing, so the client can fix it and reuse the key', async () => {
    const key = uniqueKey();
    const invalid = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send({ ...customer('fixed@example.test'), country: 'Germany' })
      .expect(400);
    expect(documentedError(invalid).param).toBe('country');
    await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('fixed@example.test'))
      .expect(201);
    expect(await customersWith('fixed@example.test')).toBe(1);
  });

  test('a malformed key is a 400 naming the header; an expired record no longer binds its key', async () => {
    const tooLong = await request(h.app)
      .post('/v1/products')
      .set({ ...h.auth, 'Idempotency-Key': 'k'.repeat(256) })
      .send({ name: 'x' })
      .expect(400);
    expect(documentedError(tooLong)).toMatchObject({
      code: 'invalid_idempotency_key',
      param: 'Idempotency-Key',
    });

    const key = uniqueKey();
    await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('expired-1@example.test'))
      .expect(201);
    await h.db.orm.em
      .getConnection()
      .execute(
        `update idempotency_records set created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' where key = ?`,
        [key],
      );
    const fresh = await request(h.app)
      .post('/v1/customers')
      .set({ ...h.auth, 'Idempotency-Key': key })
      .send(customer('expired-2@example.test'))
      .expect(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
  });

  describe('the middleware on its own', () => {
    const authorization = 'Bearer sk_middleware_test';
    const scope = createHash('sha256').update('sk_middleware_test').digest('hex');

    function slowApp(effects: string[], waitMs: number) {
      const app = express();
      app.use(express.json());
      app.use(idempotency(h.db.orm, createLogger('silent', 'test'), { waitMs, abandonAfterMs: 60_000 }));
      app.post('/slow', async (req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        effects.push(String(req.body.name));
        res.status(201).json({ done: req.body.name });
      });
      app.use(errorHandler(createLogger('silent', 'test')));
      return app;
    }

    test('a retry that arrives while the first request runs gets 409 in progress when it cannot wait long enough', async () => {
      const effects: string[] = [];
      const app = slowApp(effects, 50);
      const key = uniqueKey();
      const [first, second] = await Promise.all([
        request(app)
          .post('/slow')
          .set({ Authorization: authorization, 'Idempotency-Key': key })
          .send({ name: 'a' }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
          request(app)
            .post('/slow')
            .set({ Authorization: authorization, 'Idempotency-Key': key })
            .send({ name: 'a' }),
        ),
      ]);
      expect(first.status).toBe(201);
      expect(second.status).toBe(409);
      expect(documentedError(second).code).toBe('idempotency_request_in_progress');
      expect(effects).toEqual(['a']);
      const replay = await request(app)
        .post('/slow')
        .set({ Authorization: authorization, 'Idempotency-Key': key })
        .send({ name: 'a' })
        .expect(201);
      expect(replay.body).toEqual({ done: 'a' });
      expect(effects).toEqual(['a']);
    });

    test('a claim abandoned by a crashed process is taken over after the abandon timeout', async () => {
      const effects: string[] = [];
      const app = slowApp(effects, 50);
      const key = uniqueKey();
      await h.db.orm.em.getConnection().execute(
        `insert into idempotency_records (scope, key, request_method, request_path, request_hash, created_at, expires_at)
           values (?, ?, 'POST', '/slow', ?, now() - interval '2 minutes', now() + interval '1 day')`,
        [scope, key, requestHash('POST', '/slow', { name: 'b' })],
      );
      await request(app)
        .post('/slow')
        .set({ Authorization: authorization, 'Idempotency-Key': key })
        .send({ name: 'b' })
        .expect(201);
      expect(effects).toEqual(['b']);
    });
  });
});
