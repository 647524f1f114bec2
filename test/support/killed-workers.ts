/**
 * Settings of the worker processes a test kills with SIGKILL. The tasks already queued on a killed worker's sticky
 * queue wait the sticky timeout before another worker takes them; the default (600 s, sized for bursts; README,
 * "Worker queues and lost tasks") would make every kill test wait ten minutes for the same takeover, so these
 * workers wait one. A worker that is killed has no grace period to wait out either.
 */
export const KILLED_WORKER_ENV = {
  WORKER_STICKY_TIMEOUT_MS: '60000',
  SHUTDOWN_GRACE_MS: '0',
} as const;
