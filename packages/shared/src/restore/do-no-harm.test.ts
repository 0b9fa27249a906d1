/**
 * First, do no harm: the service's default detector (the learned segmenter through the temporal gate) and
 * fill, with the real ONNX models, on footage where the picture moves on its own. A speck left in is a
 * pity; a repaint of a walking figure, a swaying wire or the gate's edge is harm.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config.js';
import type { FrameLayout, Samples } from '../frames/types.js';
import { makeFilmSequence } from '../synthetic/make-sequence.js';
import { fillNormal } from '../synthetic/random.js';
import { modelRunner, denoiserRunner } from '../workers/compute-tasks.js';
import { diffusionFill, diffusionSettings, defaultInpaintModelPath } from './diffusion-fill.js';
import { toLuma } from './luma.js';
import { countMask, dilateMask } from './morphology.js';
import { defaultSegmentModelPath, segmentFrameUnet, UNET_WINDOW, unetSettings } from './unet-segment.js';

const defaults = configSchema.parse({});

/** The service's masks (dilated as it dilates) for every frame of a clip; `gate: false` shows what the network alone flags. */
async function detectClip(frames: Samples[], layout: FrameLayout, gate = true): Promise<Uint8Array[]> {
  const run = await modelRunner(defaultSegmentModelPath());
  const lumas = frames.map((f) => toLuma(f, layout));
  const half = UNET_WINDOW >> 1;
  const out: Uint8Array[] = [];
  for (let t = 0; t < frames.length; t++) {
    const window = Array.from({ length: UNET_WINDOW }, (_, k) => lumas[t - half + k] ?? null);
    const { mask } = await segmentFrameUnet({ width: layout.width, height: layout.height, lumas: window, ...unetSettings(defaults, layout.width), gate }, run);
    out.push(mask);
  }
  return out;
}

/** A soft disc of `value` (0..255) painted into an 8-bit grey frame. */
function speck(frame: Uint8Array, W: number, x: number, y: number, r: number, value: number, truth?: Uint8Array): void {
  for (let yy = Math.floor(y - r - 1); yy <= y + r + 1; yy++) {
    for (let xx = Math.floor(x - r - 1); xx <= x + r + 1; xx++) {
      const d = Math.hypot(xx - x, yy - y);
      if (d > r + 0.5) continue;
      frame[yy * W + xx] = value;
      if (truth) truth[yy * W + xx] = 255;
    }
  }
}

const clip = (damage: false | { density: number; scratches: number }) =>
  makeFilmSequence({ width: 384, height: 288, frames: 7, channels: 1, bits: 8, seed: 29, motion: 'pan', actors: 4, border: true, detail: 0.4, damage, grain: 0.015 });

describe('do no harm', () => {
  // The target is 0.02 % of the pixels; the shipped models reach about 1.5 % here (see the
  // segmenter's model card). This holds what the gate does and keeps it from getting worse.
  it('masks a small share of a clean clip with walking figures, swaying lines, picture detail and a flickering gate edge, under half of what the network alone flags', async () => {
    const seq = await clip(false);
    const share = (masks: Uint8Array[]) => masks.reduce((n, m) => n + countMask(m), 0) / (masks.length * seq.layout.width * seq.layout.height);
    const gated = share(await detectClip(seq.damaged, seq.layout));
    const alone = share(await detectClip(seq.damaged, seq.layout, false));
    expect(gated).toBeLessThan(0.02);
    expect(gated).toBeLessThan(alone / 2);
  }, 60_000);

  it('on the same clip still finds planted dust and a persistent scratch', async () => {
    const seq = await clip(false);
    const { width: W, height: H } = seq.layout;
    const frames = seq.damaged.map((f) => (f as Uint8Array).slice());
    const dust: { t: number; x: number; y: number }[] = [];
    const truth = frames.map(() => new Uint8Array(W * H));
    // One speck per frame in a different place, dark or bright, and a bright scratch that stays at x = 250.
    frames.forEach((f, t) => {
      const x = 40 + ((t * 53) % 300);
      const y = 40 + ((t * 37) % 200);
      speck(f, W, x, y, 2.5, t % 2 ? 235 : 15, truth[t]);
      dust.push({ t, x, y });
      for (let y2 = 20; y2 < H - 20; y2++) {
        f[y2 * W + 250] = Math.min(255, f[y2 * W + 250]! + 70);
        truth[t]![y2 * W + 250] = 255;
      }
    });
    const masks = await detectClip(frames, seq.layout);
    // The gate may leave one where the picture itself moves: a speck left in is better than a repaint of picture.
    const specks = dust.filter((d) => masks[d.t]![d.y * W + d.x] === 255);
    expect(specks.length).toBeGreaterThanOrEqual(6);
    let found = 0;
    let total = 0;
    for (let t = 1; t < frames.length - 1; t++) {
      for (let y = 20; y < H - 20; y++) {
        total++;
        if (masks[t]![y * W + 250]) found++;
      }
    }
    expect(found / total).toBeGreaterThan(0.8);
  }, 60_000);

  it('repaints a speck on an object that moves on its own without pasting the background into it', async () => {
    const W = 256;
    const H = 192;
    const layout: FrameLayout = { width: W, height: H, channels: 1, bits: 8 };
    const grain = new Float32Array(W * H);
    // A textured background panning 1 px a frame and a textured disc moving 5 px a frame against it.
    const frame = (t: number, objectX: number) => {
      fillNormal(grain, 100 + t);
      const f = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const u = x + t;
          const inObj = Math.hypot(x - objectX, y - 96) < 40;
          const v = inObj ? 170 + 30 * Math.sin((x - objectX) / 4) * Math.cos((y - 96) / 5) : 90 + 25 * Math.sin(u / 9) * Math.cos(y / 7);
          f[y * W + x] = Math.max(0, Math.min(255, Math.round(v + 3 * grain[y * W + x]!)));
        }
      }
      return f;
    };
    const repaintError = async (objectSpeed: number, at: { x: number; y: number }) => {
      const clean = [0, 1, 2, 3, 4].map((t) => frame(t, 90 + objectSpeed * t));
      const damaged = clean.map((f) => f.slice());
      const truth = new Uint8Array(W * H);
      speck(damaged[2]!, W, at.x, at.y, 3, 10, truth);
      const masks = await detectClip(damaged, layout);
      const centreMask = masks[2]!;
      expect(centreMask[at.y * W + at.x], 'the speck is found').toBe(255);
      const filled = await diffusionFill(
        { frames: damaged, center: 2, masks: masks.map((m) => dilateMask(m, W, H, 0)), layout, frameNumber: 2 },
        await denoiserRunner(defaultInpaintModelPath()),
        diffusionSettings(defaults),
      );
      let err = 0;
      let n = 0;
      for (let p = 0; p < truth.length; p++) if (truth[p]) (err += Math.abs(filled.data[p]! - clean[2]![p]!)), n++;
      return err / n;
    };
    // The same speck on the moving object, and on static picture (the object still), for comparison.
    const onMoving = await repaintError(5, { x: 100, y: 96 });
    const onStill = await repaintError(0, { x: 100, y: 96 });
    expect(onMoving).toBeLessThan(Math.max(12, 1.5 * onStill));
  }, 60_000);

  it('on frames whose neighbours show other pictures (gaps, a jump) masks no more than a few times the true damage', async () => {
    // Five unrelated shots in a row, as frames sampled with gaps or a missed cut give.
    const shots = await Promise.all([3, 5, 7, 11, 13].map((seed) => makeFilmSequence({ width: 320, height: 240, frames: 1, channels: 1, bits: 8, seed, motion: 'static', actors: 2, detail: 0.5, damage: false })));
    const frames = shots.map((s) => (s.damaged[0] as Uint8Array).slice());
    const truth = new Uint8Array(320 * 240);
    for (const [x, y] of [[60, 50], [200, 120], [260, 200]] as const) speck(frames[2]!, 320, x, y, 3, 5, truth);
    const masks = await detectClip(frames, shots[0]!.layout);
    expect(countMask(masks[2]!)).toBeLessThanOrEqual(3 * countMask(dilateMask(truth, 320, 240, defaults.UNET_DILATE)));
  }, 60_000);
});
