import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/**
 * JSON lines for log collectors; `pretty` prints one readable line per entry for a developer's terminal (the
 * request fields the API logs with each line are already in its message, so they are left out there).
 */
export function createLogger(
  level: string,
  name: string,
  format: LogFormat = 'json',
  /** Where the lines go; standard output by default. */
  destination?: NodeJS.WritableStream,
): Logger {
  const options = { level, name, base: { service: name } };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      ...(destination ? { destination, colorize: false } : { colorize: Boolean(process.stdout.isTTY) }),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service,name,reqId,request',
      // In order with what the process prints to the console itself (npm start's banner).
      sync: true,
    }),
  );
}

/** Routes the Temporal SDK's logs (including replay-aware workflow and activity logs) into our pino logger once. */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const method =
      level === 'TRACE'
        ? 'trace'
        : level === 'DEBUG'
          ? 'debug'
          : level === 'WARN'
            ? 'warn'
            : level === 'ERROR'
              ? 'error'
              : 'info';
    logger[method](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
