import { describe, expect, it } from 'vitest';
import type { FrameLayout } from '@reelrestore/shared/frames/types';
import {
  addFlicker,
  addHighpass,
  damageLeftCounts,
  damageLeftPixelCounts,
  emptyFlicker,
  emptyMoments,
  psnrFrom,
  reportPsnr,
  RestorationScorer,
  squaredError,
  stdOf,
  untouchedCounts,
  PSNR_CAP_DB,
} from './restoration.js';

const u8 = (...v: number[]) => Uint8Array.from(v);

describe('PSNR', () => {
  it('is Infinity for identical images, capped in the report', () => {
    const a = u8(10, 20, 30, 40);
    expect(psnrFrom(squaredError(a, a, 1, null), 255)).toBe(Infinity);
    expect(reportPsnr(Infinity)).toBe(PSNR_CAP_DB);
  });

  it('has the closed form for a constant error', () => {
    const a = u8(10, 20, 30, 40);
    const b = u8(15, 25, 35, 45);
    // MSE = 25 → 10 log10(255² / 25)
    expect(psnrFrom(squaredError(a, b, 1, null), 255)).toBeCloseTo(10 * Math.log10((255 * 255) / 25), 10);
  });

  it('counts only selected pixels, all channels, and is null on an empty selection', () => {
    const a = u8(0, 0, 0, 0, 0, 0);
    const b = u8(3, 3, 3, 9, 9, 9);
    expect(squaredError(a, b, 3, u8(255, 0))).toEqual({ sse: 27, n: 3 });
    expect(psnrFrom(squaredError(a, b, 3, u8(0, 0)), 255)).toBeNull();
  });
});

describe('damage left and untouched', () => {
  it('per pixel: counts true-damage pixels still off by more than 10/255', () => {
    const clean = u8(100, 100, 100, 100);
    const restored = u8(100, 111, 109, 200);
    // pixel 1 is off by 11 (left), pixel 2 by 9 (repaired), pixel 3 outside the truth.
    expect(damageLeftPixelCounts(restored, clean, u8(255, 255, 255, 0), 1, 255)).toEqual({ left: 1, total: 3 });
  });

  describe('grain-aware', () => {
    const W = 20;
    const layout: FrameLayout = { width: W, height: W, channels: 1, bits: 8 };
    const clean = new Uint8Array(W * W).fill(100);
    const region = (x0: number, y0: number, x1: number, y1: number) => {
      const m = new Uint8Array(W * W);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 255;
      return m;
    };
    const withError = (truth: Uint8Array, err: (x: number, y: number) => number) =>
      clean.map((v, p) => (truth[p] ? v + err(p % W, Math.floor(p / W)) : v));

    it('counts a speck or a one-pixel hair left in, over its whole area', () => {
      const speck = region(5, 5, 8, 8);
      expect(damageLeftCounts(withError(speck, () => 40), clean, speck, layout)).toEqual({ left: 9, total: 9 });
      const hair = region(10, 2, 11, 18);
      expect(damageLeftCounts(withError(hair, () => 30), clean, hair, layout)).toEqual({ left: 16, total: 16 });
    });

    it('does not charge grain that differs from the truth pixel by pixel, but does charge a bias', () => {
      const blotch = region(4, 4, 14, 14);
      const grain = (x: number, y: number) => ((x + y) % 2 === 0 ? 12 : -12);
      expect(damageLeftPixelCounts(withError(blotch, grain), clean, blotch, 1, 255)).toEqual({ left: 100, total: 100 });
      expect(damageLeftCounts(withError(blotch, grain), clean, blotch, layout)).toEqual({ left: 0, total: 100 });
      expect(damageLeftCounts(withError(blotch, (x, y) => grain(x, y) + 12), clean, blotch, layout).left).toBe(100);
    });

    it('checks every channel and is empty without damage', () => {
      const rgb: FrameLayout = { ...layout, channels: 3 };
      const speck = region(5, 5, 7, 7);
      const cleanRgb = new Uint8Array(W * W * 3).fill(100);
      const restored = cleanRgb.slice();
      for (let p = 0; p < W * W; p++) if (speck[p]) restored[p * 3 + 2] = 130; // only blue is off
      expect(damageLeftCounts(restored, cleanRgb, speck, rgb)).toEqual({ left: 4, total: 4 });
      expect(damageLeftCounts(restored, cleanRgb, new Uint8Array(W * W), rgb)).toEqual({ left: 0, total: 0 });
    });
  });

  it('counts bit-identical pixels outside the repaint mask, all pixels without one', () => {
    const input = u8(1, 2, 3, 4);
    const restored = u8(1, 9, 3, 5);
    expect(untouchedCounts(restored, input, u8(0, 255, 0, 0), 1)).toEqual({ same: 2, total: 3 });
    expect(untouchedCounts(restored, input, null, 1)).toEqual({ same: 2, total: 4 });
  });
});

describe('grain', () => {
  const layout: FrameLayout = { width: 3, height: 3, channels: 1, bits: 8 };

  it('finds no high-pass energy in a flat image and a known residual at a spike', () => {
    const flat = new Uint8Array(9).fill(50);
    expect(stdOf(addHighpass(flat, layout, new Uint8Array(9).fill(1), emptyMoments()))).toBe(0);
    const spike = flat.slice();
    spike[4] = 59; // box mean 51 → residual 8 at the centre
    const m = addHighpass(spike, layout, u8(0, 0, 0, 0, 1, 0, 0, 0, 0), emptyMoments());
    expect(m.sum).toBeCloseTo(8, 12);
    expect(m.n).toBe(1);
  });

  it('gives a grain_ratio of 1 for a restoration equal to the truth and 0 for a flat fill', () => {
    const clean = u8(40, 60, 40, 60, 40, 60, 40, 60, 40);
    const truth = u8(0, 0, 0, 0, 255, 255, 0, 0, 0);
    const same = new RestorationScorer();
    same.add({ input: clean, restored: clean, clean, truth, repaint: truth }, layout);
    expect(same.scores().grain_ratio).toBeCloseTo(1, 12);
    const flat = new RestorationScorer();
    const fifty = new Uint8Array(9).fill(50);
    flat.add({ input: clean, restored: fifty, clean, truth, repaint: null }, layout);
    expect(flat.scores().grain_ratio).toBe(0);
  });
});

describe('flicker', () => {
  const layout: FrameLayout = { width: 2, height: 2, channels: 1, bits: 8 };
  const truth = u8(255, 0, 0, 0);

  it('is zero for a static restored sequence equal to the truth (ratio undefined)', () => {
    const s = new RestorationScorer();
    const frame = u8(10, 20, 30, 40);
    s.beginSequence();
    for (let t = 0; t < 3; t++) s.add({ input: frame, restored: frame, clean: frame, truth, repaint: truth }, layout);
    const r = s.scores();
    expect(r.flicker).toBe(0);
    expect(r.flicker_ratio).toBeNull();
    expect(r.masked_psnr).toBe(PSNR_CAP_DB);
    expect(r.untouched_exact).toBe(1);
  });

  it('measures the change the restoration adds beyond the truth’s own', () => {
    const f = addFlicker(u8(10), u8(14), u8(10), u8(12), u8(255), u8(0), 1, emptyFlicker());
    expect(f).toEqual({ excess: 2, restored: 4, truth: 2, n: 1 });
  });

  it('never pairs frames across sequences', () => {
    const s = new RestorationScorer();
    s.beginSequence();
    s.add({ input: u8(0, 0, 0, 0), restored: u8(0, 0, 0, 0), clean: u8(0, 0, 0, 0), truth, repaint: null }, layout);
    s.beginSequence();
    s.add({ input: u8(9, 0, 0, 0), restored: u8(9, 0, 0, 0), clean: u8(0, 0, 0, 0), truth, repaint: null }, layout);
    expect(s.scores().flicker).toBeNull();
  });
});

describe('ghosting and far pixels', () => {
  const layout: FrameLayout = { width: 40, height: 30, channels: 1, bits: 8 };
  const n = 40 * 30;

  it('masked_psnr_moving scores only the damage on moving things, and far_kept_exact only pixels far from any damage', () => {
    const clean = new Uint8Array(n).fill(100);
    const input = clean.slice();
    const truth = new Uint8Array(n);
    const moving = new Uint8Array(n);
    // Two specks: one on a moving figure (left), one on still picture (right).
    for (const x of [5, 30]) {
      truth[10 * 40 + x] = 255;
      input[10 * 40 + x] = 0;
    }
    for (let y = 0; y < 30; y++) for (let x = 0; x < 15; x++) moving[y * 40 + x] = 255;
    const restored = clean.slice();
    // The fill ghosts the one on the figure (off by 40) and gets the other right; a repaint far from any damage too.
    restored[10 * 40 + 5] = 140;
    restored[25 * 40 + 35] = 101;
    const s = new RestorationScorer();
    s.add({ input, restored, clean, truth, repaint: null, moving }, layout);
    const scores = s.scores();
    expect(scores.masked_psnr_moving).toBeCloseTo(20 * Math.log10(255 / 40), 5);
    expect(scores.masked_psnr!).toBeGreaterThan(scores.masked_psnr_moving!);
    // 1200 pixels, of which the two 12 px discs around the specks do not count; one far pixel changed.
    const far = scores.far_kept_exact!;
    expect(far).toBeLessThan(1);
    expect(far).toBeGreaterThan(0.99);
  });
});
