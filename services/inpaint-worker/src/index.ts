import type { Config } from '@reelrestore/shared/config';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { inpaintChunk } from './inpaint-chunk.js';

/** The inpaint stage: repaints masked pixels from aligned neighbour frames, in worker threads. */
export function inpaintService(config: Config): WorkerService<'inpaint'> {
  const pool = new ComputePool(config.COMPUTE_THREADS || undefined);
  return { roles: ['inpaint'], handlers: { inpaint: inpaintChunk(pool) }, close: () => pool.close() };
}
