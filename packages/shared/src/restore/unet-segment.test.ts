import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config.js';
import type { FrameLayout, Samples } from '../frames/types.js';
import { toLuma } from './luma.js';
import { makeSyntheticClip } from '../synthetic/synthetic-clip.js';
import { modelRunner } from '../workers/compute-tasks.js';
import { labelComponents } from './morphology.js';
import { cascadePlane } from './damage-candidates.js';
import {
  damageProbability,
  defaultSegmentModelPath,
  enlarged,
  maskFromProbability,
  cellTiles,
  planAxis,
  predictDamage,
  segmentFrameUnet,
  UNET_WINDOW,
  unetSettings,
  windowSources,
} from './unet-segment.js';

const modelPath = defaultSegmentModelPath();
const settings = { threshold: 0.5, lowThreshold: 0.3, dilate: 0, tile: 256, overlap: 64 };

/** The luma window centred on frame t of a clip, null past its ends (as the segment worker passes it). */
function windowAt(frames: Samples[], layout: FrameLayout, t: number): (Float32Array | null)[] {
  const half = UNET_WINDOW >> 1;
  const out: (Float32Array | null)[] = [];
  for (let k = -half; k <= half; k++) {
    const f = frames[t + k];
    out.push(f ? toLuma(f, layout) : null);
  }
  return out;
}

describe('cellTiles', () => {
  it('covers every selected cell exactly once and nothing else, with the margin around it, on the 4-pixel grid', () => {
    const cols = 9;
    const rows = 6;
    const selected = new Uint8Array(cols * rows);
    // A 3x3 block (stacked into one tile), a lone cell, a long run cut by maxRun, and a partial edge cell.
    for (const [cx, cy] of [[1, 1], [2, 1], [3, 1], [1, 2], [2, 2], [3, 2], [1, 3], [2, 3], [3, 3], [6, 0], [0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5], [8, 4]]) {
      selected[cy! * cols + cx!] = 1;
    }
    const W = 8 * 32 + 20;
    const H = 6 * 32;
    const tiles = cellTiles({ cols, rows, cell: 32, selected, count: 17 }, W, H, 24, 4, 4);
    const seen = new Uint8Array(W * H);
    for (const t of tiles) {
      expect(t.x % 4).toBe(0);
      expect(t.y % 4).toBe(0);
      expect(t.keepX0 - t.x).toBe(Math.min(24, t.keepX0));
      expect(t.keepY0 - t.y).toBe(Math.min(24, t.keepY0));
      expect(t.x + t.w).toBe(Math.min(W, t.keepX1 + 24));
      expect(t.y + t.h).toBe(Math.min(H, t.keepY1 + 24));
      for (let y = t.keepY0; y < t.keepY1; y++) for (let x = t.keepX0; x < t.keepX1; x++) seen[y * W + x]!++;
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) expect(seen[y * W + x]).toBe(selected[Math.floor(y / 32) * cols + Math.floor(x / 32)]);
    }
    // The 3x3 block is one tile; the run of six is two; 17 cells in 5 tiles.
    expect(tiles).toHaveLength(5);
  });
});

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
    // The margin (UNET_REACH) holds all of the network's reach that moves its output by more than this.
    expect(worst).toBeLessThan(1e-3);
  });

  it('gives a probability per pixel for a frame that is no multiple of the tile, and tiles agree with one whole-frame run', async () => {
    const run = await modelRunner(modelPath);
    const clip = makeSyntheticClip({ width: 301, height: 219, frames: 5, channels: 3, bits: 16, seed: 5, shift: { x: 0.6, y: -0.3 }, grainSigma: 0.015, damage: { specksPerFrame: 6, scratch: true } });
    const frames = windowSources(windowAt(clip.damaged, clip.layout, 2));
    const whole = (await predictDamage(frames, 301, 219, run, { tile: 512, overlap: 0 })).prob;
    expect(whole.length).toBe(301 * 219);
    expect(whole.every((p) => p >= 0 && p <= 1)).toBe(true);
    const tiled = (await predictDamage(frames, 301, 219, run, { tile: 128, overlap: settings.overlap, batch: 3 })).prob;
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i]! - tiled[i]!));
    // The margin (UNET_REACH) holds all of the network's reach that moves its output by more than this.
    expect(worst).toBeLessThan(1e-3);
  });

  it('with the cascade, gives the whole-frame values (to a thousandth) in the cells it selects and 0 in the cells it skips', async () => {
    const run = await modelRunner(modelPath);
    const clip = makeSyntheticClip({ width: 300, height: 220, frames: 5, channels: 1, bits: 8, seed: 8, shift: { x: 0, y: 0 }, grainSigma: 0.01, damage: { specksPerFrame: 2, scratch: false } });
    const frames = windowSources(windowAt(clip.damaged, clip.layout, 2));
    const whole = (await predictDamage(frames, 300, 220, run, { tile: 512, overlap: 0 })).prob;
    const { prob, cells } = await predictDamage(frames, 300, 220, run, { ...settings, cascade: { cell: 32, spike: 0.05, line: 0.2, halvings: 0 } });
    expect(cells).not.toBeNull();
    const { cols, rows, cell, selected } = cells!;
    // Two specks on a clean static picture: a few cells, not the frame.
    expect(cells!.count).toBeGreaterThan(0);
    expect(cells!.count).toBeLessThan((cols * rows) / 2);
    let worst = 0;
    let skippedNonZero = 0;
    for (let y = 0; y < 220; y++) {
      for (let x = 0; x < 300; x++) {
        const i = y * 300 + x;
        if (selected[Math.floor(y / cell) * cols + Math.floor(x / cell)]) worst = Math.max(worst, Math.abs(prob[i]! - whole[i]!));
        else if (prob[i] !== 0) skippedNonZero++;
      }
    }
    // The margin (UNET_REACH) holds all of the network's reach that moves its output by more than this.
    expect(worst).toBeLessThan(1e-3);
    expect(skippedNonZero).toBe(0);
    // Every speck the clip planted on the centre frame lies in a selected cell.
    const mask = clip.masks[2]!;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(selected[Math.floor(Math.floor(i / 300) / cell) * cols + Math.floor((i % 300) / cell)]).toBe(1);
    }
  });

  it('with a cascade that names no halvings, tests a small frame at its own size (the speck reaches the network)', async () => {
    const run = await modelRunner(modelPath);
    const clip = makeSyntheticClip({ width: 256, height: 192, frames: 5, channels: 1, bits: 8, seed: 41, shift: { x: 0.5, y: 0.2 }, grainSigma: 0.01, damage: { specksPerFrame: 3, minRadius: 3, maxRadius: 5 } });
    const lumas = windowAt(clip.damaged, clip.layout, 2);
    const { cellShare, mask } = await segmentFrameUnet({ ...settings, width: 256, height: 192, lumas, cascade: { cell: 32, spike: 0.05, line: 0.03 } }, run);
    expect(cellShare).toBeGreaterThan(0);
    let caught = 0;
    let truePx = 0;
    clip.masks[2]!.forEach((v, i) => {
      if (!v) return;
      truePx++;
      if (mask[i]) caught++;
    });
    expect(truePx).toBeGreaterThan(0);
    expect(caught / truePx).toBeGreaterThanOrEqual(0.7);
  });

  it('reads a scan twice the training width at the training width: planted dust at 2K is found, specks of 2K size', async () => {
    const run = await modelRunner(modelPath);
    const [w, h] = [2048, 256];
    const service = { ...unetSettings(configSchema.parse({}), w), dilate: 0 };
    expect(service.cascade!.halvings).toBe(1);
    const clip = makeSyntheticClip({ width: w, height: h, frames: 5, channels: 1, bits: 16, seed: 12, shift: { x: 1.6, y: 0.4 }, grainSigma: 0.015, damage: { specksPerFrame: 10, minRadius: 4, maxRadius: 10 } });
    const lumas = windowAt(clip.damaged, clip.layout, 2);
    const { mask } = await segmentFrameUnet({ ...service, width: w, height: h, lumas }, run);
    const truth = clip.masks[2]!;
    const { labels, count } = labelComponents(truth, w, h);
    const hit = new Uint8Array(count + 1);
    let truePx = 0;
    let caught = 0;
    let falsePx = 0;
    for (let i = 0; i < truth.length; i++) {
      if (truth[i]) {
        truePx++;
        if (mask[i]) (caught++, (hit[labels[i]!] = 1));
      } else if (mask[i]) falsePx++;
    }
    expect(count).toBeGreaterThanOrEqual(8);
    expect(hit.reduce((n, v) => n + v, 0) / count).toBeGreaterThanOrEqual(0.9);
    expect(caught / truePx).toBeGreaterThanOrEqual(0.8);
    expect(falsePx).toBeLessThan(0.25 * truePx);
    // The network saw the halved window: its probability is that of the reduced planes, brought back up.
    const sources = windowSources(lumas);
    const reduced = await damageProbability(sources, w, h, run, service);
    const planes = sources.map((l) => cascadePlane(l, w, h, 1));
    const direct = await predictDamage(planes, w / 2, h / 2, run, { ...service, cascade: { ...service.cascade!, halvings: 0 } });
    expect(reduced.prob).toEqual(enlarged(direct.prob, w / 2, h / 2, w, h, 2));
  });

  it('finds planted dust on a small synthetic clip and nothing on a clean grainy one, at the service defaults (cascade on)', async () => {
    const run = await modelRunner(modelPath);
    const service = { ...unetSettings(configSchema.parse({}), 256), dilate: 0 };
    expect(service.cascade).not.toBeNull();
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
        const { mask } = await segmentFrameUnet({ ...service, width: 256, height: 192, lumas: windowAt(damaged.damaged, damaged.layout, t) }, run);
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
        const c = await segmentFrameUnet({ ...service, width: 256, height: 192, lumas: windowAt(clean.clean, clean.layout, t) }, run);
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

describe('enlarged', () => {
  it('brings a ramp to twice its size as the same ramp, clamped at the edges', () => {
    const small = Float32Array.from({ length: 4 * 3 }, (_, i) => i % 4);
    const big = enlarged(small, 4, 3, 8, 6, 2);
    // Full-size pixel x sits at (x + 0.5) / 2 - 0.5 of the small one.
    expect([...big.subarray(0, 8)]).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
    for (let y = 1; y < 6; y++) expect([...big.subarray(y * 8, y * 8 + 8)]).toEqual([...big.subarray(0, 8)]);
  });

  it('computes only around the selected cells, with the values of the whole plane', () => {
    // 5 x 4 cells of 4 px, the last column and row cut short; the full frame a pixel wider and taller than 2x.
    const [w, h, cell, cols, rows] = [18, 13, 4, 5, 4];
    const selected = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const src = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (selected[Math.floor(y / cell) * cols + Math.floor(x / cell)]) src[y * w + x] = 0.05 + ((x * 7 + y * 13) % 19) / 20;
    const cells = { cols, rows, cell, selected, count: selected.reduce((a, b) => a + b, 0) };
    const whole = enlarged(src, w, h, 2 * w + 1, 2 * h + 1, 2);
    expect(enlarged(src, w, h, 2 * w + 1, 2 * h + 1, 2, cells)).toEqual(whole);
    expect(whole.filter((v) => v > 0).length).toBeGreaterThan(0);
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

