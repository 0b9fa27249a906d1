import { describe, expect, it } from 'vitest';
import { makeSyntheticClip, mulberry32 } from '../synthetic/synthetic-clip.js';
import { detectSpikes, detectSpikesForFrame, minMax3x3 } from './spike-detect.js';

/** Share of truth pixels found, split by whether the damage made the pixel darker or brighter. */
function recallByPolarity(
  truth: Uint8Array,
  found: Uint8Array,
  clean: ArrayLike<number>,
  damaged: ArrayLike<number>,
  channels: number,
): { dark: number; bright: number; darkN: number; brightN: number } {
  let dark = 0;
  let darkN = 0;
  let bright = 0;
  let brightN = 0;
  for (let i = 0; i < truth.length; i++) {
    if (!truth[i]) continue;
    if (damaged[i * channels]! < clean[i * channels]!) {
      darkN++;
      if (found[i]) dark++;
    } else {
      brightN++;
      if (found[i]) bright++;
    }
  }
  return { dark: dark / darkN, bright: bright / brightN, darkN, brightN };
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) if (v) n++;
  return n;
}

describe('detectSpikesForFrame', () => {
  const W = 256;
  const H = 192;

  for (const [name, channels, bits] of [
    ['16-bit grey', 1, 16],
    ['8-bit RGB', 3, 8],
  ] as const) {
    it(`finds one-frame dark and bright specks on a grainy pan (${name})`, () => {
      const clip = makeSyntheticClip({
        width: W,
        height: H,
        frames: 5,
        channels,
        bits,
        seed: 21,
        shift: { x: 1.5, y: -0.75 },
        grainSigma: 0.015,
        damage: { specksPerFrame: 10 },
      });
      for (let f = 1; f < 4; f++) {
        const r = detectSpikesForFrame({
          prev: clip.damaged[f - 1]!,
          cur: clip.damaged[f]!,
          next: clip.damaged[f + 1]!,
          layout: clip.layout,
        });
        const rec = recallByPolarity(clip.masks[f]!, r.mask, clip.clean[f]!, clip.damaged[f]!, channels);
        expect(rec.darkN).toBeGreaterThan(20);
        expect(rec.brightN).toBeGreaterThan(20);
        expect(rec.dark).toBeGreaterThanOrEqual(0.9);
        expect(rec.bright).toBeGreaterThanOrEqual(0.9);
        // Nothing far from real damage: every detection lies within the dilation of a true speck.
        expect(r.damaged).toBeLessThan(count(clip.masks[f]!) * 3 + 50);
        expect(r.prevField).not.toBeNull();
      }
    });
  }

  it('fires on under 0.1% of a clean grainy moving sequence', () => {
    for (const shift of [
      { x: 2, y: 1 },
      { x: -1.5, y: 0.5 },
    ]) {
      const clip = makeSyntheticClip({ width: W, height: H, frames: 5, channels: 1, bits: 16, seed: 8, shift, grainSigma: 0.02 });
      let fired = 0;
      for (let f = 1; f < 4; f++) {
        fired += detectSpikesForFrame({
          prev: clip.damaged[f - 1]!,
          cur: clip.damaged[f]!,
          next: clip.damaged[f + 1]!,
          layout: clip.layout,
        }).damaged;
      }
      expect(fired / (3 * W * H)).toBeLessThan(0.001);
    }
  });

  it('uses the single neighbour at a shot edge, more strictly', () => {
    const clip = makeSyntheticClip({
      width: W,
      height: H,
      frames: 2,
      channels: 1,
      bits: 8,
      seed: 4,
      shift: { x: 1, y: 1 },
      grainSigma: 0.015,
      damage: { specksPerFrame: 10 },
    });
    const first = detectSpikesForFrame({ prev: null, cur: clip.damaged[0]!, next: clip.damaged[1]!, layout: clip.layout });
    const last = detectSpikesForFrame({ prev: clip.damaged[0]!, cur: clip.damaged[1]!, next: null, layout: clip.layout });
    expect(first.prevField).toBeNull();
    expect(last.nextField).toBeNull();
    for (const [r, f] of [
      [first, 0],
      [last, 1],
    ] as const) {
      const rec = recallByPolarity(clip.masks[f]!, r.mask, clip.clean[f]!, clip.damaged[f]!, 1);
      expect(Math.min(rec.dark, rec.bright)).toBeGreaterThanOrEqual(0.8);
      expect(r.damaged).toBeLessThan(count(clip.masks[f]!) * 3 + 50);
    }
    const clean = makeSyntheticClip({ width: W, height: H, frames: 2, channels: 1, bits: 8, seed: 4, shift: { x: 1, y: 1 }, grainSigma: 0.02 });
    const quiet = detectSpikesForFrame({ prev: null, cur: clean.damaged[0]!, next: clean.damaged[1]!, layout: clean.layout });
    expect(quiet.damaged / (W * H)).toBeLessThan(0.001);
  });
});

describe('detectSpikes', () => {
  const w = 32;
  const h = 24;
  const flat = (v: number): Float32Array => new Float32Array(w * h).fill(v);

  it('flags a one-frame spike, drops single pixels, dilates', () => {
    const cur = flat(0.5);
    for (let y = 10; y < 13; y++) for (let x = 10; x < 13; x++) cur[y * w + x] = 0.9;
    cur[5 * w + 25] = 0.1; // a lone dark pixel: grain-like, removed by minArea
    const mask = detectSpikes({ prev: flat(0.5), cur, next: flat(0.5), w, h, threshold: 0.06, dilate: 1 });
    expect(mask[11 * w + 11]).toBe(255);
    expect(mask[9 * w + 11]).toBe(255); // dilated
    expect(mask[8 * w + 11]).toBe(0);
    expect(mask[5 * w + 25]).toBe(0);
    const keepAll = detectSpikes({ prev: flat(0.5), cur, next: flat(0.5), w, h, threshold: 0.06, dilate: 0, minArea: 1 });
    expect(keepAll[5 * w + 25]).toBe(255);
    expect(count(keepAll)).toBe(10);
  });

  it('ignores what the neighbours also show, and differences of opposite sign', () => {
    const cur = flat(0.5);
    const prev = flat(0.5);
    const next = flat(0.5);
    for (let y = 4; y < 8; y++) {
      for (let x = 4; x < 8; x++) {
        cur[y * w + x] = 0.9;
        prev[y * w + x] = 0.9; // real picture, there before
      }
    }
    for (let y = 14; y < 18; y++) {
      for (let x = 14; x < 18; x++) {
        prev[y * w + x] = 0.2; // cur between its neighbours: motion, not dust
        next[y * w + x] = 0.8;
      }
    }
    expect(count(detectSpikes({ prev, cur, next, w, h, threshold: 0.06, dilate: 2 }))).toBe(0);
  });

  it('grows soft edges by hysteresis and is single-sided where a neighbour is invalid', () => {
    const cur = flat(0.5);
    for (let x = 5; x < 9; x++) cur[10 * w + x] = 0.8;
    cur[10 * w + 9] = 0.55; // a soft edge: above threshold/2 only
    cur[10 * w + 10] = 0.54;
    const base = { prev: flat(0.5), cur, next: flat(0.5), w, h, threshold: 0.06, dilate: 0 };
    const mask = detectSpikes(base);
    expect(mask[10 * w + 9]).toBe(255);
    expect(mask[10 * w + 10]).toBe(255);
    expect(mask[10 * w + 11]).toBe(0);
    // The previous frame saw the same value but its picture there came from outside its frame.
    const prev = flat(0.5);
    for (let x = 5; x < 9; x++) prev[10 * w + x] = 0.8;
    expect(count(detectSpikes({ ...base, prev }))).toBe(0);
    const prevValid = new Uint8Array(w * h).fill(255);
    for (let x = 3; x < 11; x++) for (let y = 8; y < 13; y++) prevValid[y * w + x] = 0;
    expect(detectSpikes({ ...base, prev, prevValid })[10 * w + 6]).toBe(255);
  });

  it('computes joint 3x3 extremes', () => {
    const rand = mulberry32(1);
    const a = new Float32Array(7 * 5).map(() => rand());
    const b = new Float32Array(7 * 5).map(() => rand());
    const j = minMax3x3(a, b, 7, 5);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let yy = Math.max(0, y - 1); yy <= Math.min(4, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(6, x + 1); xx++) {
            lo = Math.min(lo, a[yy * 7 + xx]!, b[yy * 7 + xx]!);
            hi = Math.max(hi, a[yy * 7 + xx]!, b[yy * 7 + xx]!);
          }
        }
        expect(j.lo[y * 7 + x]).toBe(lo);
        expect(j.hi[y * 7 + x]).toBe(hi);
      }
    }
  });
});
