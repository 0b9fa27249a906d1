import { openFlowProducer } from '@reelrestore/shared/queues';
import { startRetentionSweeps } from '@reelrestore/shared/reels/retention';
import { processWebhookJob } from '@reelrestore/shared/webhooks/deliver-webhook';
import type { WorkerDeps } from '@reelrestore/shared/workers/start-workers';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { probeReel } from './probe-reel.js';
import { reviewReel } from './review-reel.js';
import { cleanStaleStitchFolders, stitchReel } from './stitch-reel.js';
import { tmpdir } from 'node:os';

/** Per-reel steps that are not per-chunk: probe and plan, review edits, stitch, webhook delivery, and retention sweeps. */
export function pipelineService(deps: WorkerDeps): WorkerService<'probe' | 'review' | 'stitch' | 'webhook'> {
  const flows = openFlowProducer(deps.redis, deps.config.QUEUE_PREFIX);
  void cleanStaleStitchFolders(deps.config.TMP_DIR || tmpdir()).then(
    (removed) => removed.length && deps.logger.info({ removed }, 'removed scratch folders of stitch jobs whose process died'),
    (err: unknown) => deps.logger.warn({ err }, 'could not clean stale stitch folders'),
  );
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
