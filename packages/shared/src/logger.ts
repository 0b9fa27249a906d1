import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; child loggers add reelId / jobId so every line can be traced. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
