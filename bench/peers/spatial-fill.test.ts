import { describe, expect, it } from 'vitest';
import type { FrameLayout } from '@reelrestore/shared/frames/types';
import { spatialFill } from './spatial-fill.js';

describe('spatialFill', () => {
  const layout: FrameLayout = { width: 5, height: 5, channels: 1, bits: 8 };

  it('repaints only masked pixels and recovers a linear ramp exactly', () => {
    // A horizontal ramp is harmonic, so the Laplace fill reproduces it.
    const frame = Uint8Array.from({ length: 25 }, (_, i) => 10 + 20 * (i % 5));
    const damaged = frame.slice();
    const mask = new Uint8Array(25);
    for (const p of [11, 12, 13]) {
      damaged[p] = 255;
      mask[p] = 255;
    }
    const out = spatialFill(damaged, mask, layout, 200);
    for (let p = 0; p < 25; p++) {
      if (mask[p] === 0) expect(out[p]).toBe(damaged[p]);
      else expect(out[p]).toBe(frame[p]);
    }
  });

  it('leaves a frame with an empty mask untouched', () => {
    const frame = Uint16Array.from({ length: 25 }, (_, i) => i * 1000);
    expect(spatialFill(frame, new Uint8Array(25), { ...layout, bits: 16 })).toEqual(frame);
  });
});
