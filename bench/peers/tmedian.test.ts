import { describe, expect, it } from 'vitest';
import type { FrameLayout } from '@reelrestore/shared/frames/types';
import { runTmedian } from './tmedian.js';

// Runs the real ffmpeg binary (as the benchmark does) on a few tiny frames.
describe('runTmedian', () => {
  it('returns one frame per input, the 3-frame median inside and the ends unchanged', async () => {
    const layout: FrameLayout = { width: 4, height: 2, channels: 1, bits: 16 };
    const frames = [10, 50, 20, 40, 30].map((v) => new Uint16Array(8).fill(v * 1000));
    const out = await runTmedian(frames, layout);
    expect(out.map((f) => f[0])).toEqual([10000, 20000, 40000, 30000, 30000]);
  });
});
