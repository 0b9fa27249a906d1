import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; child loggers add reelId / jobId so every line can be traced. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service } };
  return destination ? pino(options, destination) : pino(options);
}

/** At most this many distinct messages are tracked; past it the one quiet longest is forgotten. */
const THROTTLE_KEYS = 200;

/**
 * A warning for an error that repeats while a dependency is down (a reconnecting Redis reports every try,
 * an API request fails on it): each distinct message is logged the first time, then at most once per
 * `everyMs`, that line counting the repeats it left out (`repeated`). Messages are told apart by their
 * text, so errors that alternate (two hosts, two kinds) are each bounded on their own, not logged every
 * time the other one came in between. Bounded, deduplicated logs instead of a flood.
 */
export function throttledWarn(logger: Logger, msg: string, everyMs = 30_000, clock: () => number = Date.now): (err: Error | string) => void {
  const seen = new Map<string, { last: number; skipped: number }>();
  return (err) => {
    const message = typeof err === 'string' ? err : err.message;
    const now = clock();
    const entry = seen.get(message);
    if (entry && now - entry.last < everyMs) {
      entry.skipped++;
      return;
    }
    logger.warn({ err: message, repeated: entry?.skipped ?? 0 }, msg);
    // Re-inserted, so the map's order is by last line written and the first key is the quietest.
    seen.delete(message);
    seen.set(message, { last: now, skipped: 0 });
    if (seen.size > THROTTLE_KEYS) seen.delete(seen.keys().next().value!);
  };
}
