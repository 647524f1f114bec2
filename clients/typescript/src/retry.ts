/** How the client repeats a request the API asked it to repeat. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retrying off. Default 4. */
  maxAttempts?: number;
  /** The wait before the first retry when the answer names none; doubled for each further one. Default 250 ms. */
  baseDelayMs?: number;
  /**
   * The longest wait. A `Retry-After` beyond it ends the retries and the answer is returned as it came, rather
   * than holding the caller for minutes. Default 60 s (the API's rate-limit window).
   */
  maxDelayMs?: number;
}

/** What the retrying fetch needs from its surroundings; tests pass their own to record the waits. */
export interface RetryEnvironment {
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1) that spreads concurrent clients' retries apart. */
  random(): number;
  /** Milliseconds since the epoch, for a `Retry-After` given as an HTTP date. */
  now(): number;
}

export const defaultRetryEnvironment: RetryEnvironment = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

/** A `Retry-After` header in milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * True for the answers that say "the same request may succeed later": 429 (rate limited), 503 (a dependency of
 * the API is unavailable; nothing was applied) and the one 409 that is transient, a request with the same
 * Idempotency-Key still running. Any other 409 (a reused key, a state conflict) stays what it is.
 */
async function asksForRetry(response: Response): Promise<boolean> {
  if (response.status === 429 || response.status === 503) return true;
  if (response.status !== 409) return false;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  const error = typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === 'idempotency_request_in_progress'
  );
}

/**
 * A request that may be sent again after a failure that left its outcome unknown (the connection broke): reads,
 * replacements, and POSTs that carry an Idempotency-Key, which the API answers at most once.
 */
function repeatable(request: Request): boolean {
  return (
    ['GET', 'HEAD', 'PUT'].includes(request.method) ||
    (request.method === 'POST' && request.headers.has('Idempotency-Key'))
  );
}

/**
 * Wraps `fetch` so that answers asking for a retry are retried with the same request (the same Idempotency-Key
 * on a POST, so the API runs it once at most): after `Retry-After` when the answer gives one, else after an
 * exponential backoff with jitter. The last answer is returned whatever it is, for the caller to read.
 */
export function retryingFetch(
  send: (request: Request) => Promise<Response>,
  options: RetryOptions = {},
  environment: RetryEnvironment = defaultRetryEnvironment,
): (request: Request) => Promise<Response> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  // Half fixed, half random: retries still grow, and many clients hit by the same outage do not return together.
  const backoff = (attempt: number) => {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (environment.random() * ceiling) / 2);
  };

  return async (request) => {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await send(request.clone());
      } catch (error) {
        if (attempt >= maxAttempts || !repeatable(request)) throw error;
        await environment.sleep(backoff(attempt));
        continue;
      }
      if (attempt >= maxAttempts || !(await asksForRetry(response))) return response;
      const delay = retryAfterMs(response.headers.get('Retry-After'), environment.now()) ?? backoff(attempt);
      if (delay > maxDelayMs) return response;
      await response.body?.cancel();
      await environment.sleep(delay);
    }
  };
}
