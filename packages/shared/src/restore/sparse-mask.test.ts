import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { dilateMask } from './morphology.js';
import { dilateDisc, flaggedPixels, hysteresisRegions } from './sparse-mask.js';
import { maskFromProbability } from './unet-segment.js';

const W = 97;
const H = 61;

/** Blobs of probability on a quiet background, some touching the frame's edges. */
function probabilities(seed: number): Float32Array {
  const rand = mulberry32(seed);
  const p = new Float32Array(W * H);
  for (let i = 0; i < p.length; i++) p[i] = 0.25 * rand();
  for (let b = 0; b < 12; b++) {
    const cx = Math.floor(rand() * W);
    const cy = Math.floor(rand() * H);
    const r = 1 + rand() * 6;
    const peak = 0.2 + 0.8 * rand();
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const d = Math.hypot(x - cx, y - cy);
      if (d <= r) p[y * W + x] = Math.max(p[y * W + x]!, peak * (1 - d / (r + 1)) + 0.1 * rand());
    }
  }
  return p;
}

describe('hysteresisRegions', () => {
  it('is maskFromProbability without dilation, pixel for pixel', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const p = probabilities(seed);
      for (const [t, low] of [[0.5, 0.3], [0.5, 0.5], [0.4, 0.6], [0.9, 0.1]] as const) {
        const want = maskFromProbability(p, W, H, { threshold: t, lowThreshold: low, dilate: 0 });
        expect(hysteresisRegions(p, W, H, t, low)).toEqual(want);
      }
    }
  });

  it('finds the same regions looking for seeds in the selected cells only, where the probability lives', () => {
    const cols = Math.ceil(W / 16);
    const rows = Math.ceil(H / 16);
    for (let seed = 1; seed <= 5; seed++) {
      const p = probabilities(seed);
      const rand = mulberry32(100 + seed);
      const selected = Uint8Array.from({ length: cols * rows }, () => (rand() < 0.5 ? 1 : 0));
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (!selected[Math.floor(y / 16) * cols + Math.floor(x / 16)]) p[y * W + x] = 0;
      const want = maskFromProbability(p, W, H, { threshold: 0.5, lowThreshold: 0.3, dilate: 0 });
      expect(want.some((v) => v !== 0)).toBe(true);
      expect(hysteresisRegions(p, W, H, 0.5, 0.3, { cols, cell: 16, selected })).toEqual(want);
    }
  });

  it('flags nothing when no pixel reaches the threshold', () => {
    expect(hysteresisRegions(new Float32Array(W * H).fill(0.4), W, H, 0.5, 0.3).some((v) => v !== 0)).toBe(false);
  });
});

describe('dilateDisc', () => {
  it('is dilateMask with a disc, pixel for pixel, and counts what it flags', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = mulberry32(seed);
      const mask = new Uint8Array(W * H);
      for (let i = 0; i < mask.length; i++) if (rand() < 0.01 * seed) mask[i] = seed % 2 ? 255 : 1;
      mask[0] = 255;
      mask[W * H - 1] = 255;
      for (const r of [0, 1, 2, 3, 5.5]) {
        const want = dilateMask(mask, W, H, r, 'disc');
        const got = dilateDisc(mask, W, H, r);
        expect(got.mask).toEqual(want);
        expect(got.count).toBe(want.filter((v) => v !== 0).length);
      }
    }
  });
});

describe('flaggedPixels', () => {
  it('lists the non-zero pixels in order, whatever the view’s offset', () => {
    const buffer = new Uint8Array(103);
    const idx = [0, 1, 2, 3, 7, 40, 41, 98, 99, 100, 101];
    for (const i of idx) buffer[i] = 9;
    expect(Array.from(flaggedPixels(buffer))).toEqual(idx);
    expect(Array.from(flaggedPixels(buffer.subarray(1)))).toEqual(idx.filter((i) => i >= 1).map((i) => i - 1));
  });
});
