import type { Config } from '@reelrestore/shared/config';
import { defaultInpaintModelPath } from '@reelrestore/shared/restore/diffusion-fill';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { requireModelFile } from '@reelrestore/shared/workers/model-file';
import type { WorkerService } from '@reelrestore/shared/workers/service';
import { inpaintChunk } from './inpaint-chunk.js';

/** The inpaint stage: repaints masked pixels from aligned neighbour frames, in worker threads. Throws ConfigError when its model file is missing. */
export function inpaintService(config: Config): WorkerService<'inpaint'> {
  if (config.INPAINTER === 'diffusion') requireModelFile('INPAINT_MODEL', config.INPAINT_MODEL ?? defaultInpaintModelPath());
  const pool = new ComputePool(config.COMPUTE_THREADS || undefined);
  return { roles: ['inpaint'], handlers: { inpaint: inpaintChunk(pool) }, close: () => pool.close() };
}
