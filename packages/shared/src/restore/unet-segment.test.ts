import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Samples } from '../frames/types.js';
import { makeSyntheticClip } from '../synthetic/synthetic-clip.js';
import { modelRunner } from '../workers/compute-tasks.js';
import { labelComponents } from './morphology.js';
import {
  defaultSegmentModelPath,
  maskFromProbability,
  planAxis,
  predictDamage,
  segmentFrameUnet,
  UNET_WINDOW,
  windowSources,
} from './unet-segment.js';

const modelPath = defaultSegmentModelPath();
const settings = { threshold: 0.5, lowThreshold: 0.3, dilate: 0, tile: 256, overlap: 64 };

/** The window centred on frame t of a clip, null past its ends (as the segment worker passes it). */
function windowAt(frames: Samples[], t: number): (Samples | null)[] {
  const half = UNET_WINDOW >> 1;
  const out: (Samples | null)[] = [];
  for (let k = -half; k <= half; k++) out.push(frames[t + k] ?? null);
  return out;
}

describe('planAxis', () => {
  it('covers every pixel exactly once, on the 4-pixel grid, with at least half the overlap around it', () => {
    for (const [size, tile, overlap] of [
      [100, 256, 32],
      [300, 128, 64],
      [2048, 256, 64],
      [1557, 256, 32],
      [261, 256, 32],
    ] as const) {
      const tiles = planAxis(size, tile, overlap);
      const seen = new Uint8Array(size);
      for (const t of tiles) {
        expect(t.start % 4).toBe(0);
        expect(t.start + t.len).toBeLessThanOrEqual(size);
        for (let x = t.keepFrom; x < t.keepTo; x++) {
          seen[x]!++;
          if (x - t.start < overlap / 2) expect(t.start).toBe(0);
          if (t.start + t.len - x <= overlap / 2) expect(t.start + t.len).toBe(size);
        }
      }
      expect([...seen].every((v) => v === 1)).toBe(true);
    }
  });
});

describe('windowSources', () => {
  it('mirrors missing neighbours about the centre, as in training', () => {
    const f = [0, 1, 2, 3, 4].map((v) => Uint8Array.of(v));
    expect(windowSources([null, null, f[2]!, f[3]!, f[4]!]).map((x) => x[0])).toEqual([4, 3, 2, 3, 4]);
    expect(windowSources([f[0]!, f[1]!, f[2]!, null, null]).map((x) => x[0])).toEqual([0, 1, 2, 1, 0]);
    expect(windowSources([null, null, f[2]!, null, null]).map((x) => x[0])).toEqual([2, 2, 2, 2, 2]);
  });
});

describe.skipIf(!existsSync(modelPath))('the segment-unet ONNX model', () => {
  it('loads in onnxruntime-node and matches the torch reference at a size it was not exported with', async () => {
    const run = await modelRunner(modelPath);
    const ref = JSON.parse(readFileSync(join(dirname(modelPath), 'reference.json'), 'utf8')) as {
      dims: [number, number, number, number];
      frames: number[];
      prob: number[];
    };
    const prob = await run(Float32Array.from(ref.frames), ref.dims);
    expect(prob.length).toBe(ref.prob.length);
    let worst = 0;
    for (let i = 0; i < prob.length; i++) worst = Math.max(worst, Math.abs(prob[i]! - ref.prob[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('gives a probability per pixel for a frame that is no multiple of the tile, and tiles agree with one whole-frame run', async () => {
    const run = await modelRunner(modelPath);
    const clip = makeSyntheticClip({ width: 301, height: 219, frames: 5, channels: 3, bits: 16, seed: 5, shift: { x: 0.6, y: -0.3 }, grainSigma: 0.015, damage: { specksPerFrame: 6, scratch: true } });
    const frames = windowSources(windowAt(clip.damaged, 2));
    const whole = await predictDamage(frames, clip.layout, run, { tile: 512, overlap: 0 });
    expect(whole.length).toBe(301 * 219);
    expect(whole.every((p) => p >= 0 && p <= 1)).toBe(true);
    const tiled = await predictDamage(frames, clip.layout, run, { tile: 128, overlap: settings.overlap, batch: 3 });
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i]! - tiled[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('finds planted dust on a small synthetic clip and nothing on a clean grainy one', async () => {
    const run = await modelRunner(modelPath);
    const opts = { width: 256, height: 192, frames: 7, bits: 8 as const, shift: { x: 0.8, y: 0.3 }, grainSigma: 0.02 };
    let specks = 0;
    let found = 0;
    let truePx = 0;
    let caughtPx = 0;
    let cleanFlagged = 0;
    let cleanPx = 0;
    for (const channels of [1, 3] as const) {
      const damaged = makeSyntheticClip({ ...opts, channels, seed: 31 + channels, damage: { specksPerFrame: 6, minRadius: 3, maxRadius: 6 } });
      const clean = makeSyntheticClip({ ...opts, channels, seed: 71 + channels });
      for (let t = 0; t < opts.frames; t++) {
        const { mask } = await segmentFrameUnet({ ...settings, layout: damaged.layout, frames: windowAt(damaged.damaged, t) }, run);
        const truth = damaged.masks[t]!;
        const { labels, count } = labelComponents(truth, opts.width, opts.height);
        const hit = new Uint8Array(count + 1);
        for (let i = 0; i < truth.length; i++) {
          if (!truth[i]) continue;
          truePx++;
          if (mask[i]) {
            caughtPx++;
            hit[labels[i]!] = 1;
          }
        }
        specks += count;
        for (let l = 1; l <= count; l++) found += hit[l]!;
        const c = await segmentFrameUnet({ ...settings, layout: clean.layout, frames: windowAt(clean.clean, t) }, run);
        for (let i = 0; i < c.mask.length; i++) if (c.mask[i]) cleanFlagged++;
        cleanPx += c.mask.length;
      }
    }
    expect(specks).toBeGreaterThan(40);
    // The first short CPU model finds 82 of 83 (pixel recall 0.99) and flags 0.04% of the clean frames.
    expect(found / specks).toBeGreaterThanOrEqual(0.9);
    expect(caughtPx / truePx).toBeGreaterThanOrEqual(0.85);
    expect(cleanFlagged / cleanPx).toBeLessThan(0.001);
  });
});

describe('maskFromProbability', () => {
  it('seeds at the threshold, grows through the low threshold, then dilates', () => {
    const w = 8;
    const h = 3;
    const prob = new Float32Array(w * h);
    prob[8 + 1] = 0.9; // seed
    prob[8 + 2] = 0.4; // weak, joined to the seed
    prob[8 + 6] = 0.4; // weak, alone: dropped
    const m = maskFromProbability(prob, w, h, { threshold: 0.5, lowThreshold: 0.3, dilate: 0 });
    expect([...m.slice(8, 16)]).toEqual([0, 255, 255, 0, 0, 0, 0, 0]);
    const d = maskFromProbability(prob, w, h, { threshold: 0.5, lowThreshold: 0.3, dilate: 1 });
    expect(d[0 * w + 1]).toBe(255);
    expect(d[8 + 6]).toBe(0);
  });
});

