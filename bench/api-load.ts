import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';

/**
 * The load generator of bench/api.ts, in a process of its own so that autocannon's event loop does not share one
 * with the API it measures. It takes one run per IPC message and answers with autocannon's result.
 */
export type RouteName =
  'healthz' | 'get_subscription' | 'list_subscriptions' | 'pause_resume' | 'usage_batch';

export interface LoadRun {
  url: string;
  route: RouteName;
  connections: number;
  durationSeconds: number;
  authorization: string;
  subscriptionIds: string[];
  meteredSubscriptionId: string;
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
}

// A run prefix keeps client ids fresh across runs and re-runs on the same database.
const runPrefix = randomBytes(4).toString('hex');
let nextClientId = 0;
let nextSubscription = 0;

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
    case 'pause_resume': {
      // One subscription per connection: the pairs are sequential on it, never two commands racing on one workflow.
      const own = (context: Record<string, unknown>): string => {
        if (typeof context.subscription !== 'string') {
          context.subscription = run.subscriptionIds[nextSubscription++ % run.subscriptionIds.length];
        }
        return String(context.subscription);
      };
      return [
        {
          method: 'POST',
          headers: json,
          body: '{}',
          setupRequest: (request, context) => ({
            ...request,
            path: `/v1/subscriptions/${own(context as Record<string, unknown>)}/pause`,
          }),
        },
        {
          method: 'POST',
          headers: json,
          body: '{}',
          setupRequest: (request, context) => ({
            ...request,
            path: `/v1/subscriptions/${own(context as Record<string, unknown>)}/resume`,
          }),
        },
      ];
    }
  }
}

async function measure(run: LoadRun): Promise<LoadResult> {
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    duration: run.durationSeconds,
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
  };
}

process.on('message', (run: LoadRun) => {
  nextSubscription = 0;
  measure(run).then(
    (result) => process.send?.({ ok: true, result }),
    (error: unknown) => process.send?.({ ok: false, error: String(error) }),
  );
});
