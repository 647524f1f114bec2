import { type NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { type Config, databaseOverrides, gatewayConfigFrom, loadConfig, logFormatOf } from './config';
import { createGateway } from './gateways';
import { initOrm } from './db/orm.config';
import { createLogger, temporalLoggerFor } from './logging';
import { createMailer } from './mail/mailer';
import { connectClient, connectWorkerConnection } from './temporal/connection';
import { createOutboxRelay } from './mail/outbox-relay';
import { activityAttempts } from './temporal/activity-attempts';
import { workerWithWatchdog } from './temporal/engine-worker';
import {
  DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
  DEFAULT_WORKFLOW_WATCHDOG_MS,
  workflowCacheFor,
  type WorkflowCacheTuning,
} from './temporal/worker-tuning';
import { followParent, superviseWorkerProcesses } from './worker-processes';

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Tests bundle the workflows once per file and pass the bundle in; production bundles at start. */
  workflowBundle?: WorkflowBundle;
  shutdownGraceMs?: number;
  /** How often the outbox relay looks for emails without being notified (default 1 s). */
  outboxPollMs?: number;
  /** The workflow cache (WORKER_CACHE_MB); the SDK's default, sized by the heap, when absent. */
  workflowCache?: WorkflowCacheTuning;
  /** `WORKER_STICKY_TIMEOUT_MS`; DEFAULT_STICKY_QUEUE_TIMEOUT_MS when absent. */
  stickyQueueTimeoutMs?: number;
  /** `WORKER_WORKFLOW_WATCHDOG_MS` (0: none); DEFAULT_WORKFLOW_WATCHDOG_MS when absent. */
  workflowWatchdogMs?: number;
  /** `PORTAL_LINK_SECRET`: the outbox relay signs the emails' portal links with it. */
  portalLinkSecret?: string;
}

/**
 * A Temporal worker with the outbox relay beside it: the relay sends the emails that committed transitions left,
 * for as long as the worker runs, and drains with it.
 */
export interface PerennialWorker {
  readonly temporal: Worker;
  run(): Promise<void>;
  shutdown(): void;
  getState(): ReturnType<Worker['getState']>;
}

export async function createWorker(options: WorkerOptions): Promise<PerennialWorker> {
  const {
    connection,
    namespace,
    taskQueue,
    workflowBundle,
    shutdownGraceMs,
    outboxPollMs,
    workflowCache,
    stickyQueueTimeoutMs,
    workflowWatchdogMs,
    portalLinkSecret,
    ...deps
  } = options;
  const watchdog = workerWithWatchdog(workflowWatchdogMs ?? DEFAULT_WORKFLOW_WATCHDOG_MS);
  const temporal = await watchdog.WorkerClass.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities(deps),
    interceptors: { activity: [activityAttempts] },
    shutdownGraceTime: shutdownGraceMs ?? 10_000,
    ...workflowCache,
    stickyQueueScheduleToStartTimeout: stickyQueueTimeoutMs ?? DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
    ...watchdog.options,
  });
  const relay = createOutboxRelay({
    orm: deps.orm,
    mailer: deps.mailer,
    publicUrl: deps.publicUrl,
    portalLinkSecret,
    ...(outboxPollMs ? { pollMs: outboxPollMs } : {}),
  });
  return {
    temporal,
    async run() {
      relay.start();
      try {
        await temporal.run();
      } finally {
        await relay.stop();
      }
    },
    shutdown: () => temporal.shutdown(),
    getState: () => temporal.getState(),
  };
}

/** Runs the worker until SIGTERM/SIGINT, then drains in-flight tasks and closes its resources. */
export async function runWorker(config: Config): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL, 'perennial-worker', logFormatOf(config));
  Runtime.install({ logger: temporalLoggerFor(logger) });
  const orm = await initOrm(config.DATABASE_URL, databaseOverrides(config));
  const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
  const connection = await connectWorkerConnection(config);
  // Activities start outbound webhook deliveries as workflows of their own.
  const client = await connectClient(config);
  const workflowCache =
    config.WORKER_CACHE_MB === undefined ? undefined : workflowCacheFor(config.WORKER_CACHE_MB);
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      orm,
      mailer,
      gateway: createGateway(gatewayConfigFrom(config), { orm }),
      publicUrl: config.PUBLIC_URL,
      portalLinkSecret: config.PORTAL_LINK_SECRET,
      client,
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
      workflowCache,
      stickyQueueTimeoutMs: config.WORKER_STICKY_TIMEOUT_MS,
      workflowWatchdogMs: config.WORKER_WORKFLOW_WATCHDOG_MS,
    });
    logger.info(
      {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        address: config.TEMPORAL_ADDRESS,
        maxCachedWorkflows: worker.temporal.options.maxCachedWorkflows,
        stickyQueueTimeoutMs: worker.temporal.options.stickyQueueScheduleToStartTimeoutMs,
        workflowWatchdogMs: config.WORKER_WORKFLOW_WATCHDOG_MS,
      },
      'worker started',
    );
    // The SDK's runtime turns SIGTERM and SIGINT into a graceful worker shutdown; run() resolves once drained.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await client.connection.close();
    await connection.close();
    mailer.close();
    await orm.close(true);
  }
}

if (require.main === module) {
  const config = loadConfig();
  const processes = config.WORKER_PROCESSES ?? 1;
  const forked = process.env.PERENNIAL_WORKER_INDEX !== undefined;
  if (processes > 1 || (config.WORKER_HEAP_MB !== undefined && !forked)) {
    void superviseWorkerProcesses(processes).then((code) => process.exit(code));
  } else {
    followParent();
    runWorker(config).catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
  }
}
