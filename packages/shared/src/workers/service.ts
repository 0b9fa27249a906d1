import { ExternalSources } from '../storage/external-sources.js';
import { Redis } from 'ioredis';
import { loadConfigOrExit, resolveStorageUrl, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { QueueName } from '../jobs.js';
import { createLogger, throttledWarn, type Logger } from '../logger.js';
import { startProcessMetrics } from '../metrics/metrics.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { closeQueues, openQueues } from '../queues.js';
import { ReelStore } from '../reels/reel-store.js';
import { createObjectStore } from '../storage/create-store.js';
import type { JobHandlers } from './handlers.js';
import { startWorkers, type RunningWorkers, type WorkerDeps } from './start-workers.js';

/** What a worker service contributes: the queues it consumes, their handlers, and what to close on shutdown. */
export interface WorkerService<R extends QueueName = QueueName> {
  roles: R[];
  handlers: Pick<JobHandlers, R>;
  close(): Promise<void>;
}

/** Any service, whatever its queues: what a process combines. */
export interface AnyWorkerService {
  roles: readonly QueueName[];
  handlers: Partial<JobHandlers>;
  close(): Promise<void>;
}

/** Opens the connections every process needs, from one validated config. */
export function openDeps(config: Config, logger: Logger): WorkerDeps {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', throttledWarn(logger, 'redis connection error'));
  return {
    config,
    logger,
    redis,
    store: createObjectStore(resolveStorageUrl(config.STORAGE_URL)),
    sources: new ExternalSources(config.SOURCES),
    reels: new ReelStore(redis, config.QUEUE_PREFIX),
    queues: openQueues(redis, config.QUEUE_PREFIX),
  };
}

export async function closeDeps(deps: WorkerDeps): Promise<void> {
  await closeQueues(deps.queues).catch(() => undefined);
  await deps.redis.quit().catch(() => deps.redis.disconnect());
}

export function startService(services: AnyWorkerService[], deps: WorkerDeps): RunningWorkers {
  const roles = services.flatMap((s) => s.roles);
  const handlers = Object.assign({}, ...services.map((s) => s.handlers)) as JobHandlers;
  const running = startWorkers(roles, handlers, deps);
  return {
    workers: running.workers,
    async close(deadlineMs?: number) {
      await running.close(deadlineMs);
      await Promise.all(services.map((s) => s.close()));
    },
  };
}

/**
 * Entry point of a worker process: validated config (a wrong value stops it with the variable's name),
 * workers for its queues, and a graceful SIGTERM that lets running chunks finish under a hard deadline.
 */
export async function runWorkerProcess(name: string, build: (deps: WorkerDeps) => Promise<AnyWorkerService[]> | AnyWorkerService[]): Promise<void> {
  const config = loadConfigOrExit(name);
  const logger = createLogger(name, config.LOG_LEVEL);
  const deps = openDeps(config, logger);
  let services: AnyWorkerService[];
  try {
    services = await build(deps);
  } catch (err) {
    // A wrong setting found while building (a missing model file) stops the process as a bad variable does.
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${name}: ${err.message}`);
    await closeDeps(deps);
    process.exit(1);
  }
  const running = startService(services, deps);
  logger.info({ queues: running.workers.map((w) => w.name) }, 'worker started');
  let stopping = false;
  startProcessMetrics(name);
  // Ready while it can take jobs: Redis answers and it is not draining.
  const ready = async () => !stopping && (await deps.redis.ping()) === 'PONG';
  const probes = config.METRICS_PORT ? await startMetricsServer({ host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN, ready }) : null;
  if (probes) logger.info({ url: probes.url }, 'metrics and probes listening');
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'draining: finishing running jobs');
    await running.close();
    await probes?.close();
    await closeDeps(deps);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
