import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Samples } from '../frames/types.js';
import { makeSyntheticClip, type SyntheticClip } from '../synthetic/synthetic-clip.js';
import { denoiserRunner } from '../workers/compute-tasks.js';
import { configSchema } from '../config.js';
import { defaultInpaintModelPath, diffusionFill, diffusionSettings } from './diffusion-fill.js';
import { damageTiles, INPAINT_MARGIN, INPAINT_TILE } from './inpaint-window.js';
import { maxSampleValue } from './luma.js';
import { dilateMask } from './morphology.js';

const modelPath = defaultInpaintModelPath();
const service = diffusionSettings(configSchema.parse({}));

describe('damageTiles', () => {
  it('gives every masked pixel to exactly one tile, each of one size, inside the frame, with context around its cell', () => {
    const W = 300;
    const H = 130;
    const mask = new Uint8Array(W * H);
    for (const [x, y] of [[0, 0], [299, 129], [150, 60], [151, 61], [47, 47], [48, 48], [200, 5]]) mask[y! * W + x!] = 255;
    const tiles = damageTiles(mask, W, H);
    const owner = new Uint8Array(W * H);
    for (const t of tiles) {
      expect([t.w, t.h]).toEqual([INPAINT_TILE, INPAINT_TILE]);
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y + t.h).toBeLessThanOrEqual(H);
      expect(t.keepX0 - t.x).toBeGreaterThanOrEqual(Math.min(INPAINT_MARGIN, t.keepX0));
      expect(t.x + t.w - t.keepX1).toBeGreaterThanOrEqual(Math.min(INPAINT_MARGIN, W - t.keepX1));
      for (let y = t.keepY0; y < t.keepY1; y++) for (let x = t.keepX0; x < t.keepX1; x++) owner[y * W + x]!++;
    }
    for (let i = 0; i < mask.length; i++) if (mask[i]) expect(owner[i]).toBe(1);
    expect(Math.max(...owner)).toBe(1);
    // Frames smaller than a tile get one frame-sized tile.
    expect(damageTiles(new Uint8Array(40 * 30).fill(255), 40, 30)).toEqual([{ x: 0, y: 0, w: 40, h: 30, keepX0: 0, keepX1: 40, keepY0: 0, keepY1: 30 }]);
  });
});

/** A clip panning under its grain, with a blotch planted on the middle frame over moving picture. */
function blotchedClip(channels: 1 | 3, bits: 8 | 16): { clip: SyntheticClip; frames: Samples[]; masks: Uint8Array[]; centre: number } {
  const clip = makeSyntheticClip({ width: 160, height: 120, frames: 5, channels, bits, seed: 17 + channels, shift: { x: 1.3, y: 0.4 }, grainSigma: 0.015 });
  const { width: W, height: H } = clip.layout;
  const centre = 2;
  const maxV = maxSampleValue(bits);
  const frames = clip.clean.map((f) => f.slice());
  const blotch = new Uint8Array(W * H);
  for (let y = 50; y < 64; y++) for (let x = 70; x < 88; x++) blotch[y * W + x] = 255;
  for (let p = 0; p < W * H; p++) if (blotch[p]) for (let c = 0; c < channels; c++) frames[centre]![p * channels + c] = Math.round(0.05 * maxV);
  const masks = frames.map((_, t) => (t === centre ? dilateMask(blotch, W, H, 1, 'disc') : new Uint8Array(W * H)));
  return { clip, frames, masks, centre };
}

function maskedPsnr(a: Samples, b: Samples, mask: Uint8Array, channels: number, maxV: number): number {
  let se = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < channels; c++) {
      const d = (a[p * channels + c]! - b[p * channels + c]!) / maxV;
      se += d * d;
      n++;
    }
  }
  return 10 * Math.log10(n / se);
}

describe.skipIf(!existsSync(modelPath))('the inpaint-diffusion ONNX model', () => {
  it('loads in onnxruntime-node and matches the torch reference', async () => {
    const run = await denoiserRunner(modelPath);
    const ref = JSON.parse(readFileSync(join(dirname(modelPath), 'reference.json'), 'utf8')) as {
      dims: [number, number, number, number];
      t: number[];
      x: number[];
      x0: number[];
    };
    const x0 = await run(Float32Array.from(ref.x), Float32Array.from(ref.t), ref.dims);
    expect(x0.length).toBe(ref.x0.length);
    let worst = 0;
    for (let i = 0; i < x0.length; i++) worst = Math.max(worst, Math.abs(x0[i]! - ref.x0[i]!));
    expect(worst).toBeLessThan(1e-3);
  });

  for (const [channels, bits] of [[1, 8], [3, 16]] as const) {
    it(`repaints a blotch over moving picture close to the truth, keeps its grain, and leaves every other pixel identical (${channels === 1 ? 'grey' : 'colour'}, ${bits}-bit)`, async () => {
      const run = await denoiserRunner(modelPath);
      const { clip, frames, masks, centre } = blotchedClip(channels, bits);
      const { layout } = clip;
      const maxV = maxSampleValue(bits);
      const out = await diffusionFill({ frames, masks, center: centre, layout, frameNumber: centre }, run, service);
      const mask = masks[centre]!;
      const input = frames[centre]!;
      for (let p = 0; p < mask.length; p++) {
        if (mask[p]) continue;
        for (let c = 0; c < channels; c++) expect(out.data[p * channels + c]).toBe(input[p * channels + c]);
      }
      expect(out.patched).toBe(mask.reduce((n, v) => n + (v ? 1 : 0), 0));
      const truth = clip.clean[centre]!;
      // The blotch itself is about 8 dB off the truth; the neighbours saw the picture, so the repaint is close.
      expect(maskedPsnr(input, truth, mask, channels, maxV)).toBeLessThan(20);
      const psnr = maskedPsnr(out.data, truth, mask, channels, maxV);
      expect(psnr).toBeGreaterThan(30);
      // Not a smooth patch: the repaint varies from pixel to pixel about as much as the truth's grain does.
      const spread = (img: Samples) => {
        let s = 0;
        let n = 0;
        for (let p = 0; p < mask.length; p++) {
          if (!mask[p] || !mask[p + 1]) continue;
          const d = (img[p * channels]! - img[(p + 1) * channels]!) / maxV;
          s += d * d;
          n++;
        }
        return Math.sqrt(s / n);
      };
      const ratio = spread(out.data) / spread(truth);
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.25);
      // Seeded noise: the same input repaints the same pixels (a chunk re-run after a crash changes nothing).
      const again = await diffusionFill({ frames, masks, center: centre, layout, frameNumber: centre }, run, service);
      expect(Buffer.from(again.data.buffer).equals(Buffer.from(out.data.buffer))).toBe(true);
    });
  }
});
