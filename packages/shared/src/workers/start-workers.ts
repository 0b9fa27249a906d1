import type { ExternalSources } from '../storage/external-sources.js';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { chunkBudgetMs } from '../frames/chunk-size.js';
import { BadInputError, errorMessage, ReelStoppedError, withoutPaths } from '../errors.js';
import { parsePayload, type ChunkPayload, type QueueName } from '../jobs.js';
import { throttledWarn, type Logger } from '../logger.js';
import type { Queues } from '../queues.js';
import { failReel } from '../reels/fail-reel.js';
import { metrics } from '../metrics/metrics.js';
import type { ReelStore } from '../reels/reel-store.js';
import type { ObjectStore } from '../storage/storage.js';
import type { JobHandlers } from './handlers.js';
import { TenantSlots } from './tenant-slots.js';

export interface WorkerDeps {
  config: Config;
  redis: Redis;
  store: ObjectStore;
  /** The archives' own buckets (SOURCES) that reels may read their source from. */
  sources: ExternalSources;
  reels: ReelStore;
  queues: Queues;
  logger: Logger;
}

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs, lets running ones finish (or aborts them after the deadline), closes connections it made. */
  close(deadlineMs?: number): Promise<void>;
}

const STAGE_WORDS: Record<QueueName, string> = {
  probe: 'reading the source',
  segment: 'finding damage',
  inpaint: 'repainting',
  stitch: 'writing the output',
  webhook: 'sending the webhook',
  review: 'applying the edits',
};

const CONCURRENCY: Record<QueueName, (c: Config) => number> = {
  probe: (c) => c.PROBE_CONCURRENCY,
  segment: (c) => c.SEGMENT_CONCURRENCY,
  inpaint: (c) => c.INPAINT_CONCURRENCY,
  stitch: (c) => c.STITCH_CONCURRENCY,
  webhook: (c) => c.WEBHOOK_CONCURRENCY,
  // Planning a review is a few mask reads and writes, like planning a reel.
  review: (c) => c.PROBE_CONCURRENCY,
};

/**
 * Starts one BullMQ worker per queue in `roles`. Refuses to start when a role has no handler.
 * Bad input becomes an unrecoverable failure; anything else is retried with the job's backoff.
 * When a reel job fails for good, the reel is marked failed (with the reason) and its other jobs removed.
 */
export function startWorkers<R extends QueueName>(roles: R[], handlers: Pick<JobHandlers, R>, deps: WorkerDeps): RunningWorkers {
  const shutdown = new AbortController();
  const slots = new TenantSlots(deps.redis, deps.config.QUEUE_PREFIX);
  const workers = roles.map((queue) => {
    const handler = handlers[queue] as unknown as (p: unknown, ctx: unknown) => Promise<unknown>;
    if (typeof handler !== 'function') throw new Error(`no handler for queue "${queue}"`);
    const processor = async (job: Job, token?: string) => {
      const payload = parsePayload(queue, job.data);
      const reelId = (payload as { reelId?: string }).reelId;
      const log = deps.logger.child({ queue, jobId: job.id, reelId, attempt: job.attemptsMade + 1 });
      const chunk = reelId && FRAME_STAGES.has(queue) ? await chunkTerms(deps, payload as ChunkPayload) : null;
      // One tenant's reel must not hold every worker: over its share, the chunk waits a moment and the
      // worker takes the next job in the queue, another tenant's.
      const slot = chunk ? await claimTenantSlot(slots, deps.config.TENANT_MAX_RUNNING_CHUNKS, queue, chunk.tenantId, job.id!) : null;
      if (slot === false) {
        await job.moveToDelayed(Date.now() + FAIR_RETRY_MS, token);
        throw new DelayedError();
      }
      const started = Date.now();
      log.info('job started');
      const seconds = () => (Date.now() - started) / 1000;
      // A reel cancelled or failed elsewhere stops this job's work in progress, compute threads included.
      const stopped = new AbortController();
      // (Not webhooks: a failed reel's failure event must still go out.)
      const watch = reelId && queue !== 'webhook' ? watchReel(deps, reelId, stopped) : undefined;
      // A chunk gets time in proportion to its pixels; past that its work is stopped and it fails for good.
      const budgetMs = chunk?.budgetMs ?? null;
      const overBudget = budgetMs === null ? null : AbortSignal.timeout(budgetMs);
      try {
        const signals = [shutdown.signal, stopped.signal, ...(overBudget ? [overBudget] : [])];
        const result = await handler(payload, { ...deps, log, job, signal: AbortSignal.any(signals) });
        log.info({ ms: Date.now() - started }, 'job finished');
        recordResult(queue, result, seconds());
        return result;
      } catch (err) {
        if (err instanceof ReelStoppedError || stopped.signal.aborted) {
          log.info({ reason: errorMessage(err) }, 'job skipped: reel stopped');
          metrics.jobDuration.observe({ queue, outcome: 'skipped' }, seconds());
          return { skipped: true };
        }
        if (overBudget?.aborted) {
          const p = payload as ChunkPayload;
          err = new UnrecoverableError(`frames ${p.start}-${p.end - 1} took longer than their time budget of ${Math.round(budgetMs! / 1000)} s (JOB_BUDGET_BASE_MS + JOB_BUDGET_MS_PER_MEGAPIXEL per frame)`);
        }
        log.warn({ err: errorMessage(err), ms: Date.now() - started }, 'job error');
        metrics.jobDuration.observe({ queue, outcome: 'failed' }, seconds());
        // An UnrecoverableError (a chunk past its budget) is never retried: its first failure is its last.
        const last = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        metrics.jobFailures.inc({ queue, reason: err instanceof BadInputError ? 'bad_input' : last ? 'final' : 'transient' });
        if (err instanceof BadInputError) throw new UnrecoverableError(err.message);
        throw err;
      } finally {
        if (watch) clearInterval(watch);
        if (slot) await slot.release().catch(() => undefined);
      }
    };
    const worker = new Worker(queue, processor, {
      connection: deps.redis.duplicate({ maxRetriesPerRequest: null }),
      prefix: deps.config.QUEUE_PREFIX,
      concurrency: CONCURRENCY[queue](deps.config),
      // Numeric work runs in worker threads, so the lock is renewed on time (every half lock). A dead
      // process's lock lapses after 3/4 of JOB_LOCK_MS and the stalled check runs every 1/4, so its job
      // is taken over within JOB_LOCK_MS, as documented.
      lockDuration: Math.round(deps.config.JOB_LOCK_MS * 0.75),
      stalledInterval: Math.round(deps.config.JOB_LOCK_MS * 0.25),
      maxStalledCount: 2,
      autorun: true,
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      const reelId = (job.data as { reelId?: string }).reelId;
      deps.logger.error({ queue, jobId: job.id, reelId, final, err: err.message }, 'job failed');
      if (final && reelId && queue !== 'webhook') {
        // The reason is for the user: the stage in words and what was wrong, never a job id or a store path.
        failReel(deps, reelId, `${STAGE_WORDS[queue]}: ${withoutPaths(err.message)}`).catch((e) =>
          deps.logger.error({ reelId, err: errorMessage(e) }, 'could not mark reel failed'),
        );
      }
    });
    // A worker reports every failed Redis command while Redis is down: a bounded log, not a flood.
    worker.on('error', throttledWarn(deps.logger.child({ queue }), 'worker error'));
    return worker;
  });

  return {
    workers,
    async close(deadlineMs = deps.config.SHUTDOWN_TIMEOUT_MS) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), deadlineMs).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') {
        deps.logger.warn({ deadlineMs }, 'shutdown deadline passed: aborting running jobs (they will be retried)');
        shutdown.abort();
        await Promise.all(workers.map((w) => w.close(true)));
      }
      await Promise.all(workers.map((w) => w.disconnect().catch(() => undefined)));
    },
  };
}

/** The per-frame stages: their chunks are what costs, so they count against a tenant's share, get a time budget and report frames. */
const FRAME_STAGES: ReadonlySet<QueueName> = new Set(['segment', 'inpaint']);

/**
 * What a chunk runs under, from one read of its reel: the tenant whose share it counts against, and its time
 * budget (a base, plus so much per megapixel of each of its frames; null before the reel is probed). Null for no reel.
 */
async function chunkTerms(deps: WorkerDeps, p: ChunkPayload): Promise<{ tenantId: string; budgetMs: number | null } | null> {
  const rec = await deps.reels.get(p.reelId);
  if (!rec) return null;
  const megapixels = rec.media ? (rec.media.width * rec.media.height) / 1e6 : null;
  const budgetMs = megapixels === null ? null : chunkBudgetMs(deps.config, p.end - p.start, megapixels);
  return { tenantId: rec.tenantId, budgetMs };
}

/** How long a chunk over its tenant's share waits before it is offered to a worker again. */
const FAIR_RETRY_MS = 1_000;

/**
 * A running slot of the tenant for this job, refreshed while it runs, or false when the tenant already runs
 * its share; null when there is no cap.
 */
async function claimTenantSlot(slots: TenantSlots, cap: number, stage: QueueName, tenant: string, jobId: string): Promise<{ release(): Promise<void> } | false | null> {
  if (cap <= 0) return null;
  if (!(await slots.claim(tenant, stage, jobId, cap))) return false;
  const timer = setInterval(() => void slots.refresh(tenant, stage, jobId).catch(() => undefined), 5_000);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await slots.release(tenant, stage, jobId);
    },
  };
}

/** How often a running job looks whether its reel was cancelled or failed. */
const REEL_WATCH_MS = 1_000;

function watchReel(deps: WorkerDeps, reelId: string, stopped: AbortController): NodeJS.Timeout {
  const timer = setInterval(() => {
    deps.reels.getState(reelId).then(
      (state) => {
        if (state === 'cancelled' || state === 'failed' || state === null) stopped.abort(new ReelStoppedError(`reel is ${state ?? 'gone'}`));
      },
      () => undefined,
    );
  }, REEL_WATCH_MS);
  timer.unref();
  return timer;
}

/** A finished job in the metrics: its time, and for the frame stages what it did and how fast. */
function recordResult(queue: QueueName, result: unknown, seconds: number): void {
  const skipped = typeof result === 'object' && result !== null && 'skipped' in result;
  metrics.jobDuration.observe({ queue, outcome: skipped ? 'skipped' : 'completed' }, seconds);
  if (!FRAME_STAGES.has(queue) || skipped) return;
  const r = result as { frames: number; pixels: number; damagedPixels?: number; patchedPixels?: number; ms: number };
  metrics.frames.inc({ stage: queue }, r.frames);
  metrics.pixels.inc({ stage: queue }, r.pixels);
  metrics.damagePixels.inc({ stage: queue }, r.damagedPixels ?? r.patchedPixels ?? 0);
  if (r.ms > 0) metrics.framesPerSecond.set({ stage: queue }, r.frames / (r.ms / 1000));
}
