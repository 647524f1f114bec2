import { Client } from '@temporalio/client';
import type { Express } from 'express';
import type { Response } from 'supertest';
import type { z } from 'zod';
import { errorResponseSchema } from '../../../src/api/schemas/common';
import type { VatIdVerifier } from '../../../src/tax';
import { createTestApi } from '../../support/api';
import { createTestDatabase, type TestDatabase } from '../../support/database';

export interface ApiHarness {
  db: TestDatabase;
  app: Express;
  auth: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The real app over a fresh migrated database. The resources tested here never reach Temporal, so the client is
 * a lazy one that never connects (a test that did reach Temporal would fail loudly, not pass by accident).
 */
export async function startApiHarness(options: { vatIdVerifier?: VatIdVerifier } = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  const client = new Client();
  const { app, auth, assertConformant } = await createTestApi(db.orm, client, 'api-tests-unused', options);
  return {
    db,
    app,
    auth,
    async close() {
      await client.connection.close();
      await db.drop();
      assertConformant();
    },
  };
}

/** Asserts the body has the documented shape and returns it typed. */
export function documented<S extends z.ZodType>(schema: S, response: Response): z.output<S> {
  return schema.parse(response.body);
}

export function documentedError(response: Response) {
  return errorResponseSchema.parse(response.body).error;
}

export async function countRows(db: TestDatabase, table: string): Promise<number> {
  const rows = await db.orm.em
    .getConnection()
    .execute<{ count: string }[]>(`select count(*)::text as count from "${table}"`);
  return Number(rows[0]?.count ?? 0);
}

export const address = { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' };
