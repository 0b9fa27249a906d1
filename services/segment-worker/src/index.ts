import type { Config } from '@reelrestore/shared/config';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { segmentChunk } from './segment-chunk.js';

/** The segment stage: damage masks per frame, computed in worker threads. */
export function segmentService(config: Config): WorkerService<'segment'> {
  const pool = new ComputePool(config.COMPUTE_THREADS || undefined);
  return { roles: ['segment'], handlers: { segment: segmentChunk(pool) }, close: () => pool.close() };
}
