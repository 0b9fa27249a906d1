import { describe, expect, it } from 'vitest';
import { makeSyntheticClip, type SyntheticClip } from '../synthetic/synthetic-clip.js';
import type { Samples } from '../frames/types.js';
import { maxSampleValue } from './luma.js';
import { medianFill } from './median-fill.js';
import { dilateMask } from './morphology.js';
import { detectSpikesForFrame } from './spike-detect.js';

/** Indices of samples outside the mask that differ from the input centre (must be none). */
function unmaskedChanges(before: Samples, after: Samples, mask: Uint8Array, channels: number): number {
  let bad = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) continue;
    for (let c = 0; c < channels; c++) if (before[p * channels + c] !== after[p * channels + c]) bad++;
  }
  return bad;
}

/** Mean absolute error against the clean truth over masked samples, as a share of the full range. */
function maskedError(out: Samples, truth: Samples, mask: Uint8Array, channels: number, bits: 8 | 16): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < channels; c++) {
      sum += Math.abs(out[p * channels + c]! - truth[p * channels + c]!);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n / maxSampleValue(bits);
}

function grownMasks(clip: SyntheticClip): Uint8Array[] {
  return clip.masks.map((m) => dilateMask(m, clip.layout.width, clip.layout.height, 1));
}

const W = 160;
const H = 120;

describe('medianFill', () => {
  for (const [name, channels, bits] of [
    ['8-bit grey', 1, 8],
    ['16-bit grey', 1, 16],
    ['8-bit RGB', 3, 8],
  ] as const) {
    it(`repaints blotches close to the truth and leaves the rest bit-identical (${name})`, () => {
      const clip = makeSyntheticClip({
        width: W,
        height: H,
        frames: 5,
        channels,
        bits,
        seed: 100 + channels * 10 + bits,
        shift: { x: 1.5, y: -1 },
        grainSigma: 0.01,
        damage: { specksPerFrame: 6, minRadius: 4, maxRadius: 12 },
      });
      const masks = grownMasks(clip);
      const centre = clip.damaged[2]!;
      const copy = centre.slice();
      for (const window of [
        { frames: clip.damaged, masks, center: 2 },
        { frames: clip.damaged.slice(1, 4), masks: masks.slice(1, 4), center: 1 },
      ]) {
        const out = medianFill({ ...window, layout: clip.layout });
        expect(out.data).toBeInstanceOf(bits === 16 ? Uint16Array : Uint8Array);
        expect(out.data).not.toBe(centre);
        expect(unmaskedChanges(centre, out.data, masks[2]!, channels)).toBe(0);
        let n = 0;
        for (const v of masks[2]!) if (v) n++;
        expect(out.patched).toBe(n);
        expect(maskedError(out.data, clip.clean[2]!, masks[2]!, channels, bits)).toBeLessThan(0.03);
        // Before the fill the damage is far off, so the test measures the repair.
        expect(maskedError(centre, clip.clean[2]!, masks[2]!, channels, bits)).toBeGreaterThan(0.1);
      }
      expect(centre).toEqual(copy); // input untouched
    });
  }

  it('skips neighbours damaged at the same place and uses the others', () => {
    const clip = makeSyntheticClip({ width: W, height: H, frames: 5, channels: 1, bits: 16, seed: 9, shift: { x: 1, y: 1 }, grainSigma: 0.01 });
    const frames = clip.damaged.map((f) => f.slice());
    const masks = frames.map(() => new Uint8Array(W * H));
    // The same black blotch on frames 1, 2 and 3 at the same place in the picture.
    for (let f = 1; f <= 3; f++) {
      const cx = 80 - clip.offsets[f]!.x;
      const cy = 60 - clip.offsets[f]!.y;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= 100) {
            frames[f]![y * W + x] = 0;
            masks[f]![y * W + x] = 255;
          }
        }
      }
    }
    const out = medianFill({ frames, center: 2, masks, layout: clip.layout });
    expect(out.spatial).toBe(0);
    expect(unmaskedChanges(frames[2]!, out.data, masks[2]!, 1)).toBe(0);
    expect(maskedError(out.data, clip.clean[2]!, masks[2]!, 1, 16)).toBeLessThan(0.03);
  });

  it('falls back to a spatial fill where no neighbour can help', () => {
    const clip = makeSyntheticClip({ width: W, height: H, frames: 1, channels: 3, bits: 16, seed: 2, grainSigma: 0.005, damage: { specksPerFrame: 4, minRadius: 3, maxRadius: 6 } });
    const masks = grownMasks(clip);
    let n = 0;
    for (const v of masks[0]!) if (v) n++;
    const out = medianFill({ frames: clip.damaged, center: 0, masks, layout: clip.layout });
    expect(out.spatial).toBe(n);
    expect(out.patched).toBe(n);
    expect(unmaskedChanges(clip.damaged[0]!, out.data, masks[0]!, 3)).toBe(0);
    expect(maskedError(out.data, clip.clean[0]!, masks[0]!, 3, 16)).toBeLessThan(0.06);
  });

  it('returns an unchanged copy when nothing is masked', () => {
    const clip = makeSyntheticClip({ width: 64, height: 48, frames: 3, channels: 1, bits: 8, seed: 1 });
    for (const masks of [[null, null, null], clip.masks]) {
      const out = medianFill({ frames: clip.damaged, center: 1, masks, layout: clip.layout });
      expect(out.patched).toBe(0);
      expect(out.data).toEqual(clip.damaged[1]);
      expect(out.data).not.toBe(clip.damaged[1]);
    }
  });

  it('repairs what the detector found, end to end', () => {
    const clip = makeSyntheticClip({
      width: 192,
      height: 144,
      frames: 7,
      channels: 1,
      bits: 16,
      seed: 77,
      shift: { x: -1.25, y: 0.5 },
      grainSigma: 0.012,
      damage: { specksPerFrame: 8 },
    });
    const detected: Uint8Array[] = [];
    for (let f = 1; f <= 5; f++) {
      detected.push(
        detectSpikesForFrame({ prev: clip.damaged[f - 1]!, cur: clip.damaged[f]!, next: clip.damaged[f + 1]!, layout: clip.layout }).mask,
      );
    }
    const out = medianFill({ frames: clip.damaged.slice(1, 6), center: 2, masks: detected, layout: clip.layout });
    expect(unmaskedChanges(clip.damaged[3]!, out.data, detected[2]!, 1)).toBe(0);
    expect(maskedError(out.data, clip.clean[3]!, clip.masks[3]!, 1, 16)).toBeLessThan(0.03);
  });
});

describe('medianFill where the aligned neighbours disagree', () => {
  it('paints from the frame itself instead of pasting one neighbour (no ghost of a moving thing)', () => {
    const W = 48;
    const H = 32;
    const layout = { width: W, height: H, channels: 1 as const, bits: 8 as const };
    const flat = () => new Uint8Array(W * H).fill(100);
    const [a, b, c, d, e] = [flat(), flat(), flat(), flat(), flat()];
    const mask = new Uint8Array(W * H);
    for (let y = 14; y < 18; y++) {
      for (let x = 22; x < 26; x++) {
        const p = y * W + x;
        mask[p] = 255;
        c[p] = 10;
        // A limb swings through the spot: every neighbour shows something else there.
        a[p] = 220;
        b[p] = 40;
        d[p] = 170;
        e[p] = 250;
      }
    }
    const zero = { bw: 3, bh: 2, block: 16, vx: new Float32Array(6), vy: new Float32Array(6) };
    const out = medianFill({ frames: [a, b, c, d, e], center: 2, masks: [null, null, mask, null, null], layout, motion: [zero, zero, null, zero, zero] });
    expect(out.disagree.length).toBe(16);
    for (let p = 0; p < mask.length; p++) if (mask[p]) expect(out.data[p]).toBe(100);
    expect(unmaskedChanges(c, out.data, mask, 1)).toBe(0);
  });

  it('still takes the median where the two neighbours agree within grain', () => {
    const W = 48;
    const H = 32;
    const layout = { width: W, height: H, channels: 1 as const, bits: 8 as const };
    const [a, c, d] = [new Uint8Array(W * H).fill(100), new Uint8Array(W * H).fill(100), new Uint8Array(W * H).fill(104)];
    const mask = new Uint8Array(W * H);
    mask[16 * W + 24] = 255;
    c[16 * W + 24] = 10;
    const zero = { bw: 3, bh: 2, block: 16, vx: new Float32Array(6), vy: new Float32Array(6) };
    const out = medianFill({ frames: [a, c, d], center: 1, masks: [null, mask, null], layout, motion: [zero, null, zero] });
    expect(out.disagree.length).toBe(0);
    expect(out.data[16 * W + 24]).toBe(102);
  });
});
