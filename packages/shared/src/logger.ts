import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; child loggers add reelId / jobId so every line can be traced. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A warning for an error that repeats while a dependency is down (a reconnecting Redis reports every try):
 * the first one is logged, then at most one line per `everyMs`, counting what it left out, and one line
 * when the same message comes back after a quiet spell. Bounded, deduplicated logs instead of a flood.
 */
export function throttledWarn(logger: Logger, msg: string, everyMs = 30_000): (err: Error) => void {
  let last = 0;
  let skipped = 0;
  let lastMessage = '';
  return (err) => {
    const now = Date.now();
    if (now - last < everyMs && err.message === lastMessage) {
      skipped++;
      return;
    }
    logger.warn({ err: err.message, repeated: skipped }, msg);
    last = now;
    skipped = 0;
    lastMessage = err.message;
  };
}
