/**
 * The learned inpainter (models/inpaint-diffusion, trained by training/inpainting): a conditional diffusion
 * denoiser that paints the masked pixels of one frame, tile by tile, from the motion-aligned neighbours and
 * the frame's own surroundings, never smoothing the grain away.
 *
 * It generates the residual from the median fill (inpaint-window.ts), so where the neighbours saw the
 * picture it corrects what the median got wrong, and where they did not it paints the picture. Sampling
 * is deterministic DDIM from seeded noise (a chunk re-run after a crash gives the same pixels), with the
 * known residual (0 outside the mask) re-imposed at every step so edges blend. The small model's estimate
 * is smoother than film, so each tile's grain is then topped up to the level of its own unmasked pixels.
 * Running the network is injected (`RunDenoiser`), so this file is pure logic.
 */
import { cancellationPoint } from '../workers/cancellation.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { FrameLayout, Samples } from '../frames/types.js';
import { maxSampleValue } from './luma.js';
import { buildInpaintWindow, COND_PLANES, conditionTile, damageTiles, type InpaintTile, type InpaintWindow } from './inpaint-window.js';
import { countMask } from './morphology.js';
import { gaussian, mulberry32 } from '../synthetic/random.js';

/** Input N x (1 + COND_PLANES) x H x W and N diffusion times; resolves to N x 1 x H x W predicted residuals. */
export type RunDenoiser = (x: Float32Array, t: Float32Array, dims: readonly [number, number, number, number]) => Promise<Float32Array>;

/** Residual units of the model: r = (truth - base) / RESIDUAL_SCALE (training/inpainting/model.py). */
export const RESIDUAL_SCALE = 0.1;

export function defaultInpaintModelPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..', 'models/inpaint-diffusion/model.onnx');
}

/** Cosine noise schedule, the same formula as training/inpainting/model.py. */
export function alphaBar(t: number): number {
  const a = Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Math.min(1, Math.max(1e-5, a));
}

export interface DiffusionOptions {
  /** DDIM steps. */
  steps: number;
  /**
   * Grain added to the repaint, as a share of what it lacks against the tile's own unmasked pixels: 1
   * matches the surroundings' grain level, 0 leaves the model's estimate as it is (smoother, closer in PSNR).
   */
  grain: number;
  /** Tiles per network call. */
  batch: number;
  /** Mixed with the frame number and tile position into each tile's starting noise. */
  seed: number;
}

/** The learned inpainter's settings as the service configures them (one place for the worker and the bench). */
export function diffusionSettings(c: Config): DiffusionOptions {
  return { steps: c.INPAINT_STEPS, batch: c.INPAINT_BATCH, grain: c.INPAINT_GRAIN, seed: 0 };
}

export interface DiffusionFillInput {
  frames: Samples[];
  masks: (Uint8Array | null)[];
  center: number;
  layout: FrameLayout;
  /** The frame's number in the reel: with `seed`, it fixes the noise, so reruns repaint identically. */
  frameNumber?: number;
}

/**
 * One frame: a copy of the centre with only its masked pixels repainted. `patched` counts them.
 * Invariant: every pixel where the centre mask is 0 is bit-identical to the input centre frame.
 */
export async function diffusionFill(
  input: DiffusionFillInput,
  run: RunDenoiser,
  opts: DiffusionOptions,
): Promise<{ data: Samples; patched: number }> {
  const { frames, masks, center, layout } = input;
  const mask = masks[center];
  const centre = frames[center];
  if (!centre) throw new RangeError(`diffusionFill: no centre frame at ${center}`);
  if (!mask || countMask(mask) === 0) return { data: centre.slice(), patched: 0 };
  const win = buildInpaintWindow(frames, masks, center, layout);
  const { width: W, channels: C } = layout;
  const maxV = maxSampleValue(layout.bits);
  const tiles = damageTiles(mask, W, layout.height);
  const batch = Math.max(1, opts.batch);
  const frameNumber = input.frameNumber ?? 0;
  // Every tile is conditioned on the median base, so repaints are kept aside and laid on at the end,
  // into the base itself (a private copy of the centre): no second frame-sized buffer.
  const repaints: { at: Int32Array; values: Uint16Array | Uint8Array }[] = [];
  for (let c = 0; c < C; c++) {
    for (let b = 0; b < tiles.length; b += batch) {
      const part = tiles.slice(b, b + batch);
      cancellationPoint();
      const r = await sampleTiles(win, part, c, run, opts, frameNumber);
      const plane = part[0]!.w * part[0]!.h;
      part.forEach((tile, n) => {
        const fill = tileFill(win, tile, c, r.subarray(n * plane, (n + 1) * plane));
        if (opts.grain > 0) addGrain(fill, tileMask(mask, W, tile), tile, opts.grain, hashSeed(opts.seed, frameNumber, tile.x, tile.y, c, 7));
        const at: number[] = [];
        const values: number[] = [];
        for (let y = tile.keepY0; y < tile.keepY1; y++) {
          for (let x = tile.keepX0; x < tile.keepX1; x++) {
            const p = y * W + x;
            if (mask[p] === 0) continue;
            at.push(p * C + c);
            values.push(Math.round(Math.min(1, Math.max(0, fill[(y - tile.y) * tile.w + (x - tile.x)]!)) * maxV));
          }
        }
        repaints.push({ at: Int32Array.from(at), values: maxV > 255 ? Uint16Array.from(values) : Uint8Array.from(values) });
      });
    }
  }
  const data = win.base;
  for (const { at, values } of repaints) for (let k = 0; k < at.length; k++) data[at[k]!] = values[k]!;
  return { data, patched: countMask(mask) };
}

/** DDIM from seeded noise for one batch of same-size tiles of one channel; returns their residuals. */
async function sampleTiles(
  win: InpaintWindow,
  tiles: InpaintTile[],
  channel: number,
  run: RunDenoiser,
  opts: DiffusionOptions,
  frameNumber: number,
): Promise<Float32Array> {
  const { w, h } = tiles[0]!;
  const plane = w * h;
  const N = tiles.length;
  const P = 1 + COND_PLANES;
  const input = new Float32Array(N * P * plane);
  const x = new Float32Array(N * plane);
  tiles.forEach((tile, n) => {
    conditionTile(win, tile, channel, input, (n * P + 1) * plane);
    normalNoise(x.subarray(n * plane, (n + 1) * plane), hashSeed(opts.seed, frameNumber, tile.x, tile.y, channel));
  });
  const t = new Float32Array(N);
  let x0: Float32Array = new Float32Array(N * plane);
  for (let i = 0; i < opts.steps; i++) {
    const tNow = 1 - i / opts.steps;
    const tNext = 1 - (i + 1) / opts.steps;
    const at = alphaBar(tNow);
    const as = alphaBar(tNext);
    t.fill(tNow);
    for (let n = 0; n < N; n++) input.set(x.subarray(n * plane, (n + 1) * plane), n * P * plane);
    x0 = await run(input, t, [N, P, h, w]);
    if (x0.length !== N * plane) throw new Error(`denoiser returned ${x0.length} values for ${N} tiles of ${w}x${h}`);
    for (let n = 0; n < N; n++) {
      const maskAt = (n * P + 2) * plane;
      for (let k = 0; k < plane; k++) {
        const j = n * plane + k;
        // Outside the mask the residual is known to be 0: forcing it re-imposes the known pixels.
        const x0k = input[maskAt + k]! > 0.5 ? x0[j]! : 0;
        x0[j] = x0k;
        const eps = (x[j]! - Math.sqrt(at) * x0k) / Math.sqrt(1 - at);
        x[j] = Math.sqrt(as) * x0k + Math.sqrt(1 - as) * eps;
      }
    }
  }
  return x0;
}

function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p | 0;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Fills `out` with standard normal samples from the seeded stream of `seed`. */
function normalNoise(out: Float32Array, seed: number): void {
  const next = gaussian(mulberry32(seed));
  for (let i = 0; i < out.length; i++) out[i] = next();
}

/** One tile of one channel in [0,1]: the base with the model's residual added inside the mask. */
function tileFill(win: InpaintWindow, tile: InpaintTile, channel: number, r: Float32Array): Float32Array {
  const { width: W, channels: C, bits } = win.layout;
  const scale = 1 / maxSampleValue(bits);
  const out = new Float32Array(tile.w * tile.h);
  for (let y = 0; y < tile.h; y++) {
    for (let x = 0; x < tile.w; x++) {
      const p = (tile.y + y) * W + tile.x + x;
      const i = y * tile.w + x;
      out[i] = win.base[p * C + channel]! * scale + (win.mask[p] !== 0 ? RESIDUAL_SCALE * r[i]! : 0);
    }
  }
  return out;
}

function tileMask(mask: Uint8Array, W: number, tile: InpaintTile): Uint8Array {
  const out = new Uint8Array(tile.w * tile.h);
  for (let y = 0; y < tile.h; y++) out.set(mask.subarray((tile.y + y) * W + tile.x, (tile.y + y) * W + tile.x + tile.w), y * tile.w);
  return out;
}

/** value - its 3x3 box mean (clamped at the tile's border): the grain and fine detail. */
function highPass(v: Float32Array, w: number, h: number, x: number, y: number): number {
  let s = 0;
  let n = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= w) continue;
      s += v[yy * w + xx]!;
      n++;
    }
  }
  return v[y * w + x]! - s / n;
}

/** Robust spread (1.4826 x median absolute value) of the first n high-pass values (reordered); 0 for none. */
function robustSpread(values: Float32Array, n: number): number {
  if (n === 0) return 0;
  const a = values.subarray(0, n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i]!);
  // A typed array sorts numerically without a comparator: several times faster than an Array.
  a.sort();
  return 1.4826 * a[n >> 1]!;
}

/**
 * Tops up the grain of a tile's repaint to the level of its unmasked pixels: measures the high-pass spread
 * of both (robustly, so picture edges do not count as grain), and adds seeded noise to the masked pixels
 * only. The model's estimate is close to the picture's mean, which is the best guess in PSNR but smoother
 * than film; this puts back what the eye expects.
 */
function addGrain(fill: Float32Array, mask: Uint8Array, tile: InpaintTile, strength: number, seed: number): void {
  const { w, h } = tile;
  const known = new Float32Array(w * h);
  const filled = new Float32Array(w * h);
  let nk = 0;
  let nf = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const hp = highPass(fill, w, h, x, y);
      if (mask[y * w + x] !== 0) filled[nf++] = hp;
      else known[nk++] = hp;
    }
  }
  if (nk < 64 || nf === 0) return;
  const missing = robustSpread(known, nk) ** 2 - robustSpread(filled, nf) ** 2;
  if (!(missing > 0)) return;
  // White noise: of all noise textures it brings the most grain-scale (3x3 high-pass) detail per unit of
  // error added; the clumped noise of the generator's grain model cost 1.5 dB more for the same level.
  const noise = new Float32Array(w * h);
  normalNoise(noise, seed);
  let nn = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x] !== 0) filled[nn++] = highPass(noise, w, h, x, y);
  const gain = (strength * Math.sqrt(missing)) / Math.max(1e-9, robustSpread(filled, nn));
  for (let i = 0; i < fill.length; i++) if (mask[i] !== 0) fill[i] = fill[i]! + gain * noise[i]!;
}
