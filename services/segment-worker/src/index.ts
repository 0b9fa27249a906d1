import type { Config } from '@reelrestore/shared/config';
import { defaultSegmentModelPath } from '@reelrestore/shared/restore/unet-segment';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { requireModelFile } from '@reelrestore/shared/workers/model-file';
import { reportModel } from '@reelrestore/shared/metrics/metrics';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { segmentChunk } from './segment-chunk.js';

/** The segment stage: damage masks per frame, computed in worker threads. Throws ConfigError when its model file is missing. */
export function segmentService(config: Config): WorkerService<'segment'> {
  if (config.SEGMENTER === 'unet') {
    const model = requireModelFile('SEGMENT_MODEL', config.SEGMENT_MODEL ?? defaultSegmentModelPath());
    // onnxruntime-node's npm package runs segmentation on CPU.
    void reportModel('segment', 'segment-unet', model, 'cpu').catch(() => undefined);
  }
  const pool = new ComputePool(config.COMPUTE_THREADS || undefined);
  return { roles: ['segment'], handlers: { segment: segmentChunk(pool) }, close: () => pool.close() };
}
