import { describe, expect, it } from 'vitest';
import { MODEL_WORKER_GLIBC_TUNABLES } from '@reelrestore/shared/workers/malloc-tunables';
import { stageEnv } from './speed.js';

describe('stageEnv', () => {
  it("runs our stages with the model workers' allocator settings and the ffmpeg yardstick as it comes", () => {
    const env = { PATH: '/usr/bin' };
    expect(stageEnv('segment_worker', env)).toEqual({ PATH: '/usr/bin', GLIBC_TUNABLES: MODEL_WORKER_GLIBC_TUNABLES });
    expect(stageEnv('inpaint_worker', env).GLIBC_TUNABLES).toBe(MODEL_WORKER_GLIBC_TUNABLES);
    expect(stageEnv('tmedian', env)).toEqual({ PATH: '/usr/bin' });
  });
});
