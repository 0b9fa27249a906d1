import { describe, expect, it } from 'vitest';
import { makeSyntheticClip, mulberry32 } from '../synthetic/synthetic-clip.js';
import type { FrameLayout } from '../frames/types.js';
import { toLuma } from './luma.js';
import { estimateMotion, globalShift, vectorMedian3x3, warpFrame, warpLuma, warpMask, zeroMotion } from './motion.js';

/** Largest error of the field's vectors against the truth, over blocks not touching the border. */
function maxError(f: ReturnType<typeof estimateMotion>, tx: number, ty: number): number {
  let worst = 0;
  for (let by = 1; by < f.bh - 1; by++) {
    for (let bx = 1; bx < f.bw - 1; bx++) {
      const i = by * f.bw + bx;
      worst = Math.max(worst, Math.abs(f.vx[i]! - tx), Math.abs(f.vy[i]! - ty));
    }
  }
  return worst;
}

describe('estimateMotion', () => {
  it('recovers a known integer shift through grain', () => {
    const clip = makeSyntheticClip({ width: 192, height: 144, frames: 2, channels: 1, bits: 16, seed: 7, shift: { x: 3, y: -2 }, grainSigma: 0.02 });
    const f0 = toLuma(clip.damaged[0]!, clip.layout);
    const f1 = toLuma(clip.damaged[1]!, clip.layout);
    // frame1(x) = picture(x + 1*shift) = frame0(x + shift)
    const field = estimateMotion(f1, f0, 192, 144);
    expect(field.bw).toBe(12);
    expect(field.bh).toBe(9);
    expect(maxError(field, 3, -2)).toBeLessThan(0.35);
  });

  it('recovers a large shift through the pyramid', () => {
    const clip = makeSyntheticClip({ width: 256, height: 192, frames: 2, channels: 3, bits: 8, seed: 11, shift: { x: -13, y: 9 }, grainSigma: 0.015 });
    const f0 = toLuma(clip.damaged[0]!, clip.layout);
    const f1 = toLuma(clip.damaged[1]!, clip.layout);
    const field = estimateMotion(f1, f0, 256, 192, { range: 16 });
    // Blocks whose match leaves the frame are guessed from their neighbours; check the inner ones.
    let worst = 0;
    for (let by = 2; by < field.bh - 2; by++) {
      for (let bx = 2; bx < field.bw - 2; bx++) {
        const i = by * field.bw + bx;
        worst = Math.max(worst, Math.abs(field.vx[i]! + 13), Math.abs(field.vy[i]! - 9));
      }
    }
    expect(worst).toBeLessThan(0.35);
  });

  it('ignores masked damage on the reference', () => {
    const w = 160;
    const h = 128;
    const clip = makeSyntheticClip({ width: w, height: h, frames: 2, channels: 1, bits: 8, seed: 3, shift: { x: 2, y: 1 }, grainSigma: 0.01 });
    const ref = toLuma(clip.damaged[1]!, clip.layout);
    const other = toLuma(clip.damaged[0]!, clip.layout);
    // Damage that looks like picture moving the other way: a disc of the other frame displaced by
    // (-6, 5). Unmasked, it drags its blocks; masked, they must follow the real pan.
    const mask = new Uint8Array(w * h);
    for (let y = 30; y < 100; y++) {
      for (let x = 40; x < 120; x++) {
        if ((x - 80) ** 2 + (y - 65) ** 2 < 30 ** 2) {
          ref[y * w + x] = other[(y + 5) * w + x - 6]!;
          mask[y * w + x] = 255;
        }
      }
    }
    expect(maxError(estimateMotion(ref, other, w, h), 2, 1)).toBeGreaterThan(1);
    expect(maxError(estimateMotion(ref, other, w, h, { refMask: mask }), 2, 1)).toBeLessThan(0.35);
    // The same damage on the other frame, excluded through otherMask.
    const field = estimateMotion(other, ref, w, h, { otherMask: mask });
    expect(maxError(field, -2, -1)).toBeLessThan(0.35);
  });

  it('keeps integer vectors when sub-pixel refinement is off', () => {
    const clip = makeSyntheticClip({ width: 128, height: 96, frames: 2, channels: 1, bits: 8, seed: 5, shift: { x: -1, y: 2 } });
    const f = estimateMotion(toLuma(clip.damaged[1]!, clip.layout), toLuma(clip.damaged[0]!, clip.layout), 128, 96, { subpixel: false });
    expect(Array.from(f.vx).every((v) => Number.isInteger(v))).toBe(true);
    expect(maxError(f, -1, 2)).toBe(0);
  });
});

describe('vectorMedian3x3', () => {
  it('replaces a lone outlier and leaves a smooth field alone', () => {
    const f = zeroMotion(80, 80, 16);
    f.vx.fill(2);
    f.vy.fill(-1);
    f.vx[12] = 9;
    f.vy[12] = 7;
    const m = vectorMedian3x3(f.vx, f.vy, f.bw, f.bh);
    expect(m.vx[12]).toBe(2);
    expect(m.vy[12]).toBe(-1);
    expect(Array.from(m.vx).every((v) => v === 2)).toBe(true);
  });
});

describe('warp', () => {
  const layout: FrameLayout = { width: 40, height: 30, channels: 3, bits: 16 };

  it('moves pixels by an integer field exactly and flags sources outside the frame', () => {
    const src = new Uint16Array(40 * 30 * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7919) % 65536;
    const field = zeroMotion(40, 30, 16);
    field.vx.fill(3);
    field.vy.fill(-2);
    const { data, valid } = warpFrame(src, layout, field);
    expect(data).toBeInstanceOf(Uint16Array);
    for (let y = 2; y < 30; y++) {
      for (let x = 0; x < 37; x++) {
        for (let c = 0; c < 3; c++) expect(data[(y * 40 + x) * 3 + c]).toBe(src[((y - 2) * 40 + x + 3) * 3 + c]);
        expect(valid[y * 40 + x]).toBe(255);
      }
    }
    expect(valid[0]).toBe(0); // source row -2
    expect(valid[10 * 40 + 39]).toBe(0); // source column 42
  });

  it('interpolates luma bilinearly and carries masks to every tap', () => {
    const w = 20;
    const h = 10;
    const src = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[y * w + x] = x / w;
    const field = zeroMotion(w, h, 16);
    field.vx.fill(0.5);
    const lin = warpLuma(src, w, h, field, { bilinear: true });
    expect(lin.data[5 * w + 4]).toBeCloseTo(4.5 / w, 5);
    const mask = new Uint8Array(w * h);
    mask[5 * w + 6] = 255;
    const wm = warpMask(mask, w, h, field);
    expect(wm[5 * w + 5]).toBe(255);
    expect(wm[5 * w + 6]).toBe(255);
    expect(wm[5 * w + 4]).toBe(0);
  });
});

describe('small and degenerate frames', () => {
  it('copes with frames smaller than a block', () => {
    const w = 6;
    const h = 5;
    const a = new Float32Array(w * h).map((_, i) => (i % 7) / 7);
    const f = estimateMotion(a, a, w, h);
    expect(f.bw).toBe(1);
    expect(f.bh).toBe(1);
    expect(Math.abs(f.vx[0]!)).toBeLessThan(0.5);
    const all = new Uint8Array(w * h).fill(255);
    const masked = estimateMotion(a, a, w, h, { refMask: all });
    expect(masked.vx[0]).toBe(0);
    const warped = warpLuma(a, w, h, f);
    expect(warped.data).toHaveLength(w * h);
  });
});

describe('globalShift', () => {
  it("finds the camera's move over railings, where half a period either way matches nearly as well", () => {
    const [w, h] = [256, 192];
    const rand = mulberry32(5);
    const rails = (cx: number, cy: number) =>
      Float32Array.from({ length: w * h }, (_, i) => {
        const u = (i % w) + cx;
        const v = Math.floor(i / w) + cy;
        return 0.5 + 0.2 * Math.sin((2 * Math.PI * v) / 8) + 0.06 * Math.sin(u / 9) * Math.cos(v / 13) + 0.01 * (rand() - 0.5);
      });
    const ref = rails(40, 30);
    // The other frame's camera sits (2, 4) further: the centre's picture lies at (-2, -4) in it.
    expect(globalShift(ref, rails(42, 34), w, h, 8)).toEqual([-2, -4]);
    // Searched around a guess (a nearer neighbour's move, doubled), within a few pixels of it.
    expect(globalShift(ref, rails(44, 38), w, h, 2, [-3, -7])).toEqual([-4, -8]);
  });
});
