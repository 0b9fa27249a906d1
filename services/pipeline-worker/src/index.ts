import { openFlowProducer } from '@reelrestore/shared/queues';
import { startRetentionSweeps } from '@reelrestore/shared/reels/retention';
import { processWebhookJob } from '@reelrestore/shared/webhooks/deliver-webhook';
import type { WorkerDeps } from '@reelrestore/shared/workers/start-workers';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { probeReel } from './probe-reel.js';
import { reviewReel } from './review-reel.js';
import { cleanStaleStitchFolders, stitchReel } from './stitch-reel.js';
import { tmpdir } from 'node:os';
import { cleanStaleShotFolders } from '@reelrestore/shared/frames/detect-shots';
import { LocalStore } from '@reelrestore/shared/storage/local-store';

/**
 * What workers killed mid-job left behind: stitch and shot-pass scratch folders of processes that are gone, and
 * the local store's half-written objects. Run in the background when a pipeline worker starts; files of live
 * processes (another worker sharing the folders) are left alone.
 */
export async function cleanStaleFiles(deps: Pick<WorkerDeps, 'config' | 'store' | 'logger'>): Promise<void> {
  const tmp = deps.config.TMP_DIR || tmpdir();
  const clean = async (what: string, run: () => Promise<string[]>) => {
    try {
      const removed = await run();
      if (removed.length) deps.logger.info({ removed }, `removed ${what} left by processes that died`);
    } catch (err) {
      deps.logger.warn({ err }, `could not clean stale ${what}`);
    }
  };
  await clean('stitch scratch folders', () => cleanStaleStitchFolders(tmp));
  await clean('shot-detection scratch folders', () => cleanStaleShotFolders(tmp));
  const store = deps.store;
  if (store instanceof LocalStore) await clean('partly written store files', () => store.cleanStalePartials());
}

/** Per-reel steps that are not per-chunk: probe and plan, review edits, stitch, webhook delivery, and retention sweeps. */
export function pipelineService(deps: WorkerDeps): WorkerService<'probe' | 'review' | 'stitch' | 'webhook'> {
  const flows = openFlowProducer(deps.redis, deps.config.QUEUE_PREFIX);
  void cleanStaleFiles(deps);
  const stopSweeps = startRetentionSweeps({ ...deps, prefix: deps.config.QUEUE_PREFIX }, { data: deps.config.RETENTION_DAYS, records: deps.config.RECORD_RETENTION_DAYS });
  const deliver = processWebhookJob({ reels: deps.reels, config: deps.config, logger: deps.logger, ...(deps.config.PUBLIC_URL ? { publicUrl: deps.config.PUBLIC_URL } : {}) });
  return {
    roles: ['probe', 'review', 'stitch', 'webhook'],
    handlers: {
      probe: probeReel(flows),
      review: reviewReel(flows),
      stitch: stitchReel,
      webhook: (_payload, ctx) => deliver(ctx.job),
    },
    close: async () => {
      stopSweeps();
      await flows.close();
    },
  };
}
