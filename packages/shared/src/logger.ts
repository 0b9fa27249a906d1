import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; child loggers add reelId / jobId so every line can be traced. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}
