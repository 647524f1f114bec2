import { LockMode } from '@mikro-orm/core';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Router } from 'express';
import { Subscription, TestClock } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { findLiveTestClock } from '../../db/services/test-clocks';
import {
  cancelUpdate,
  getSubscriptionQuery,
  testClockAdvancedSignal,
} from '../../workflows/lifecycle/messages';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  advanceTestClockSchema,
  createTestClockSchema,
  deletedTestClockSchema,
  listTestClocksQuerySchema,
  testClockListSchema,
  testClockResponseSchema,
  type TestClockResponse,
} from '../schemas/test-clocks';

const clockParams = idParamsSchema('clock', 'a test clock');

const noSuchClock = (id: string) =>
  new AppError('not_found', 'resource_missing', `No such test clock: ${id}`, 'id');

/** `/v1/test_clocks`: simulated time for the customers attached to a clock and their subscriptions. */
export function testClocksRouter(orm: Orm, client: Client, registry: RouteRegistry): Router {
  const router = Router();

  async function find(id: string): Promise<TestClock> {
    const clock = await findLiveTestClock(orm.em, id);
    if (!clock) throw noSuchClock(id);
    return clock;
  }

  /** Workflow ids of the subscriptions of every customer on the clock, ended ones included. */
  async function workflowIdsOn(clockId: string): Promise<string[]> {
    const rows = await orm.em.find(
      Subscription,
      { customer: { testClockId: clockId } },
      { fields: ['workflowId'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return rows.map((row) => row.workflowId);
  }

  async function caughtUp(workflowId: string, frozenTime: string): Promise<boolean> {
    const handle = client.workflow.getHandle(workflowId);
    try {
      const snapshot = await handle.query(getSubscriptionQuery);
      if (snapshot.caughtUp && Date.parse(snapshot.clockTime) === Date.parse(frozenTime)) return true;
      // A workflow that has ended no longer follows the clock; its last answer stays behind it for good.
      return (await handle.describe()).status.name !== 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  }

  /**
   * The stored status only says an advance was asked for; whether it is done is known by the workflows alone.
   * A clock found caught up is written back as `ready` so the next read can skip the workflows.
   */
  async function serialize(clock: TestClock): Promise<TestClockResponse> {
    const frozenTime = clock.frozenTime.toISOString();
    if (clock.status === 'advancing') {
      const answers = await Promise.all(
        (await workflowIdsOn(clock.id)).map((workflowId) => caughtUp(workflowId, frozenTime)),
      );
      if (answers.every(Boolean)) {
        // Conditional on the time so a concurrent advance is not marked ready by a read of the previous one.
        await orm.em.nativeUpdate(
          TestClock,
          { id: clock.id, frozenTime: clock.frozenTime, status: 'advancing' },
          { status: 'ready' },
        );
        clock.status = 'ready';
      }
    }
    return {
      id: clock.id,
      object: 'test_clock',
      name: clock.name ?? null,
      frozen_time: frozenTime,
      status: clock.status,
      created_at: clock.createdAt.toISOString(),
    };
  }

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/test_clocks',
      operationId: 'createTestClock',
      summary: 'Create a test clock',
      description:
        'Customers created with its `test_clock_id` live at `frozen_time` until the clock is advanced.',
      tag: 'Test clocks',
      body: createTestClockSchema,
      response: testClockResponseSchema,
      status: 201,
      errors: [400],
    },
    async ({ body }) => {
      const clock = orm.em.create(TestClock, {
        name: body.name ?? null,
        frozenTime: new Date(body.frozen_time),
      });
      await orm.em.flush();
      return serialize(clock);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/test_clocks',
      operationId: 'listTestClocks',
      summary: 'List test clocks, oldest first',
      tag: 'Test clocks',
      query: listTestClocksQuerySchema,
      response: testClockListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const page = await paginate(orm.em, TestClock, { deletedAt: null }, query);
      return {
        object: 'list' as const,
        data: await Promise.all(page.items.map(serialize)),
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
      path: '/test_clocks/:id',
      operationId: 'getTestClock',
      summary: 'Retrieve a test clock',
      description:
        '`status` is `advancing` until every subscription of its customers has caught up with `frozen_time`.',
      tag: 'Test clocks',
      params: clockParams,
      response: testClockResponseSchema,
      errors: [404],
    },
    async ({ params }) => serialize(await find(params.id)),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/test_clocks/:id/advance',
      operationId: 'advanceTestClock',
      summary: 'Advance a test clock',
      description:
        'Moves the clock to a later `frozen_time`; every subscription on it then runs what falls due up to ' +
        'that time (renewals, charges, retries, emails). Poll the clock until `status` is `ready`.',
      tag: 'Test clocks',
      params: clockParams,
      body: advanceTestClockSchema,
      response: testClockResponseSchema,
      errors: [400, 404],
    },
    async ({ params, body }) => {
      const target = new Date(body.frozen_time);
      // Locked so that concurrent advances agree on which is later; the clock only moves forward.
      const clock = await orm.em.transactional(async (tx) => {
        const locked = await tx.findOne(
          TestClock,
          { id: params.id, deletedAt: null },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!locked) throw noSuchClock(params.id);
        if (target.getTime() <= locked.frozenTime.getTime()) {
          throw new AppError(
            'invalid_request_error',
            'clock_not_forward',
            `frozen_time: must be later than the clock's current time ${locked.frozenTime.toISOString()}`,
            'frozen_time',
          );
        }
        locked.frozenTime = target;
        locked.status = 'advancing';
        return locked;
      });
      const frozenTime = target.toISOString();
      await Promise.all(
        (await workflowIdsOn(clock.id)).map(async (workflowId) => {
          try {
            await client.workflow.getHandle(workflowId).signal(testClockAdvancedSignal, { frozenTime });
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
        }),
      );
      return {
        id: clock.id,
        object: 'test_clock' as const,
        name: clock.name ?? null,
        frozen_time: frozenTime,
        status: 'advancing' as const,
        created_at: clock.createdAt.toISOString(),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/test_clocks/:id',
      operationId: 'deleteTestClock',
      summary: 'Delete a test clock',
      description:
        'Cancels the subscriptions on the clock immediately (no refund) and refuses further advances; ' +
        'the clock then answers as unknown.',
      tag: 'Test clocks',
      params: clockParams,
      response: deletedTestClockSchema,
      errors: [404],
    },
    async ({ params }) => {
      const clock = await find(params.id);
      clock.deletedAt = new Date();
      await orm.em.flush();
      await Promise.all(
        (await workflowIdsOn(clock.id)).map(async (workflowId) => {
          try {
            await client.workflow.getHandle(workflowId).executeUpdate(cancelUpdate, {
              args: [{ at: 'immediately', unused: 'none', reason: 'test_clock_deleted' }],
            });
          } catch (error) {
            // Already ended, or already canceled: nothing left to stop.
            if (!(error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError))
              throw error;
          }
        }),
      );
      return { id: clock.id, object: 'test_clock' as const, deleted: true as const };
    },
  );

  return router;
}
