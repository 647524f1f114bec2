import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';

/**
 * The load generator of bench/api.ts, in a process of its own so that autocannon's event loop does not share one
 * with the API it measures. It takes one run per IPC message and answers with autocannon's result.
 */
export type RouteName =
  | 'healthz'
  | 'get_subscription'
  | 'list_subscriptions'
  | 'create_subscription'
  | 'pause'
  | 'resume'
  | 'usage_batch';

/** Routes that change a subscription run a fixed number of requests, each on a subscription of its own. */
export const commandRoutes: RouteName[] = ['create_subscription', 'pause', 'resume'];

export interface LoadRun {
  url: string;
  route: RouteName;
  connections: number;
  durationSeconds: number;
  authorization: string;
  subscriptionIds: string[];
  meteredSubscriptionId: string;
  /** For command routes: this many requests in all, then the run ends (instead of `durationSeconds`). */
  amount?: number;
  /** create_subscription: one customer (with a sandbox card) per request, on this plan. */
  customers?: { id: string; pm: string }[];
  planId?: string;
}

export interface LoadResult {
  route: RouteName;
  connections: number;
  requests: number;
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  latency_p99_9_ms: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  status_codes: Record<string, number>;
  /** create_subscription: the subscriptions created, for the pause and resume runs that follow. */
  created_ids?: string[];
}

// A run prefix keeps client ids fresh across runs and re-runs on the same database.
const runPrefix = randomBytes(4).toString('hex');
let nextClientId = 0;
let nextSubscription = 0;
let nextCustomer = 0;
let created: string[] = [];

function requestsFor(run: LoadRun): autocannon.Request[] {
  const json = { 'content-type': 'application/json', authorization: run.authorization };
  switch (run.route) {
    case 'healthz':
      return [{ method: 'GET', path: '/healthz' }];
    case 'get_subscription':
      return [{ method: 'GET', path: `/v1/subscriptions/${run.subscriptionIds[0]}`, headers: json }];
    case 'list_subscriptions':
      return [{ method: 'GET', path: '/v1/subscriptions?limit=10', headers: json }];
    case 'usage_batch':
      return [
        {
          method: 'POST',
          path: '/v1/usage_events',
          headers: json,
          setupRequest: (request) => {
            const events = Array.from({ length: 100 }, () => ({
              client_id: `${runPrefix}-${nextClientId++}`,
              quantity: 1,
              timestamp: '2027-01-05T10:00:00Z',
            }));
            return {
              ...request,
              body: JSON.stringify({ subscription_id: run.meteredSubscriptionId, events }),
            };
          },
        },
      ];
    case 'create_subscription':
      return [
        {
          method: 'POST',
          path: '/v1/subscriptions',
          headers: json,
          setupRequest: (request) => {
            const customer = run.customers?.[nextCustomer++ % (run.customers?.length ?? 1)];
            return {
              ...request,
              body: JSON.stringify({
                customer_id: customer?.id,
                plan_id: run.planId,
                payment_method_id: customer?.pm,
              }),
            };
          },
          onResponse: (status, body) => {
            if (status === 201) created.push(String((JSON.parse(body) as { id: string }).id));
          },
        },
      ];
    case 'pause':
    case 'resume':
      // Each request on a subscription of its own: never two commands racing on one workflow.
      return [
        {
          method: 'POST',
          headers: json,
          body: '{}',
          setupRequest: (request) => ({
            ...request,
            path: `/v1/subscriptions/${run.subscriptionIds[nextSubscription++ % run.subscriptionIds.length]}/${run.route}`,
          }),
        },
      ];
  }
}

async function measure(run: LoadRun): Promise<LoadResult> {
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    ...(run.amount ? { amount: run.amount } : { duration: run.durationSeconds }),
    requests: requestsFor(run),
    initialContext: {},
  });
  return {
    route: run.route,
    connections: run.connections,
    requests: result.requests.total,
    requests_per_second: Math.round(result.requests.average * 10) / 10,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    latency_p99_9_ms: result.latency.p99_9,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
    ),
    ...(run.route === 'create_subscription' ? { created_ids: created } : {}),
  };
}

process.on('message', (run: LoadRun) => {
  nextSubscription = 0;
  nextCustomer = 0;
  created = [];
  measure(run).then(
    (result) => process.send?.({ ok: true, result }),
    (error: unknown) => process.send?.({ ok: false, error: String(error) }),
  );
});
