import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { Orm } from '../../db/orm.config';
import { AppError, errorBody } from '../errors';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} timed out`)), READY_TIMEOUT_MS).unref(),
    ),
  ]);
}

/** Liveness says the process answers; readiness says its dependencies answer too, within a bounded time. */
export function healthRouter(orm: Orm, client: Client): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      withTimeout(orm.em.getConnection().execute('select 1'), 'database'),
      withTimeout(client.workflowService.getSystemInfo({}), 'temporal'),
    ]);
    const [database, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    if (database === 'ok' && temporal === 'ok') {
      res.json({ status: 'ok', checks: { database, temporal } });
      return;
    }
    const failing = [database !== 'ok' ? 'database' : null, temporal !== 'ok' ? 'temporal' : null].filter(
      Boolean,
    );
    res.status(503).json({
      ...errorBody(
        new AppError('service_unavailable', 'dependency_unavailable', `Unavailable: ${failing.join(', ')}`),
      ),
      checks: { database, temporal },
    });
  });
  return router;
}
