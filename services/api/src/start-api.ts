import { Redis } from 'ioredis';
import { resolveStorageUrl, type Config } from '@reelrestore/shared/config';
import { createLogger, throttledWarn } from '@reelrestore/shared/logger';
import { closeQueues, openQueues } from '@reelrestore/shared/queues';
import { createObjectStore } from '@reelrestore/shared/storage/create-store';
import { buildApp, type BuildAppDeps } from './app.js';
import type { App } from './deps.js';

export interface RunningApi {
  /** Where clients reach it (a wildcard listen address becomes loopback). */
  url: string;
  app: App;
  /**
   * Readiness fails at once, in-flight requests get until the deadline, then the connections this
   * function opened are closed. Resolves false when the deadline cut requests off.
   */
  close(deadlineMs?: number): Promise<boolean>;
}

/**
 * Starts the API on config.HOST:PORT. Redis, the store and the queues are opened from the config unless
 * given (the CLI runs everything in one process); only what was opened here is closed by close().
 */
export async function startApi(config: Config, deps: Partial<Omit<BuildAppDeps, 'config'>> = {}): Promise<RunningApi> {
  const logger = deps.logger ?? createLogger('api', config.LOG_LEVEL);
  // While Redis is down a command fails at once (no offline queue, no retries) and the request gets a 503,
  // instead of hanging and being carried out once Redis is back, after its client has given up.
  const redis = deps.redis ?? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  if (!deps.redis) redis.on('error', throttledWarn(logger, 'redis connection error'));
  if (!deps.redis) await connected(redis, 5_000);
  const queues = deps.queues ?? openQueues(redis, config.QUEUE_PREFIX);
  const closeOwned = async () => {
    if (!deps.queues) await closeQueues(queues).catch((err: unknown) => logger.warn({ err }, 'closing queues failed'));
    if (!deps.redis) await redis.quit().catch(() => redis.disconnect());
  };

  let app: App;
  let address: string;
  try {
    const store = deps.store ?? createObjectStore(resolveStorageUrl(config.STORAGE_URL));
    app = await buildApp({ ...deps, config, redis, store, queues, logger });
    address = await app.listen({ host: config.HOST, port: config.PORT });
  } catch (err) {
    await closeOwned();
    throw err;
  }

  const url = address.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
  return {
    url,
    app,
    async close(deadlineMs = config.SHUTDOWN_TIMEOUT_MS) {
      app.shuttingDown = true;
      const finished = await withDeadline(app.close(), deadlineMs);
      if (!finished) logger.warn({ deadlineMs }, 'requests still running at the shutdown deadline were cut off');
      await closeOwned();
      return finished;
    },
  };
}

/** Waits for the first connection, so the first requests do not race it; a Redis still down after `ms` does not stop the API (readiness says so). */
async function connected(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
