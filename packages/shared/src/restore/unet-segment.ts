/**
 * The learned damage segmenter around its network (models/segment-unet, trained by training/segmentation):
 * builds the network's input window from decoded frames, runs it over overlapping tiles at full
 * resolution (bounded memory at 2K and 4K), and turns the centre frame's damage probability into a mask
 * with hysteresis and dilation. Running the network is injected (`RunModel`), so this file is pure logic;
 * the compute task supplies an onnxruntime session.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLayout, Samples } from '../frames/types.js';
import { toLumaRegion } from './luma.js';
import { dilateMask, growHysteresis, removeSmallComponents } from './morphology.js';

/** Input N x T x H x W luma in [0,1]; resolves to N x 1 x H x W damage probabilities. */
export type RunModel = (input: Float32Array, dims: readonly [number, number, number, number]) => Promise<Float32Array>;

/** Consecutive frames the shipped model reads; the centre one is segmented. */
export const UNET_WINDOW = 5;

/** The model versioned in the repo (models/segment-unet/model.onnx), used unless SEGMENT_MODEL names another. */
export function defaultSegmentModelPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..', 'models/segment-unet/model.onnx');
}

/** Tile origins are kept on this grid: the network pools twice, so shifts by 4 leave its output unchanged. */
export const UNET_GRID = 4;

export interface UnetMaskOptions {
  /** Probability a pixel needs to seed a detection. */
  threshold: number;
  /** Probability a pixel needs to join a seeded detection (hysteresis); clamped to at most `threshold`. */
  lowThreshold: number;
  /** Pixels added around every detection. */
  dilate: number;
  /** Components smaller than this many seed pixels are dropped (default 1: keep all). */
  minArea?: number;
}

export interface UnetTileOptions {
  /** Tile side in pixels (a multiple of 4). */
  tile: number;
  /** Overlap of neighbouring tiles; each tile's outer overlap/2 pixels are discarded (a multiple of 4). */
  overlap: number;
  /** Tiles per network call. */
  batch?: number;
}

export interface UnetSegmentInput extends UnetMaskOptions, UnetTileOptions {
  layout: FrameLayout;
  /** Consecutive frames, the centre one is segmented; null where the shot has no frame (mirrored in). */
  frames: (Samples | null)[];
}

/**
 * Which frame fills each slot of the window: a missing neighbour t+k is replaced by t-k (mirrored about the
 * centre), and by the centre itself when both are missing, as in training (training/segmentation/data.py).
 */
export function windowSources(frames: readonly (Samples | null)[]): Samples[] {
  const c = frames.length >> 1;
  const centre = frames[c];
  if (!centre || frames.length % 2 === 0) throw new Error('the window needs an odd length and a centre frame');
  return frames.map((f, i) => f ?? frames[2 * c - i] ?? centre);
}

export interface AxisTile {
  /** First pixel fed to the network. */
  start: number;
  /** Pixels fed to the network. */
  len: number;
  /** The output pixels [keepFrom, keepTo) this tile is trusted for. */
  keepFrom: number;
  keepTo: number;
}

/**
 * Tiles along one axis: starts on the 4-pixel grid, each tile trusted up to the middle of its overlap
 * with the next, so every output pixel comes from a tile that saw at least overlap/2 pixels around it.
 */
export function planAxis(size: number, tile: number, overlap: number): AxisTile[] {
  if (size <= tile) return [{ start: 0, len: size, keepFrom: 0, keepTo: size }];
  const stride = Math.max(UNET_GRID, Math.floor((tile - overlap) / UNET_GRID) * UNET_GRID);
  const starts: number[] = [];
  for (let s = 0; s + tile < size; s += stride) starts.push(s);
  const last = Math.floor((size - tile) / UNET_GRID) * UNET_GRID;
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts.map((start, i) => {
    const next = starts[i + 1];
    const prevEnd = i > 0 ? Math.min(size, starts[i - 1]! + tile) : 0;
    const end = i === starts.length - 1 ? size : start + tile;
    const keepFrom = i === 0 ? 0 : Math.floor((start + prevEnd) / 2);
    const keepTo = next === undefined ? size : Math.floor((next + end) / 2);
    return { start, len: end - start, keepFrom, keepTo };
  });
}

/**
 * The centre frame's damage probability, w*h, computed tile by tile: the luma of each tile's window is
 * built straight from the samples, tiles of one size are batched, and each tile writes only the pixels
 * it is trusted for (no blending needed: with overlap/2 at least the network's reach, tiles agree with a
 * whole-frame run).
 */
export async function predictDamage(
  frames: readonly Samples[],
  layout: FrameLayout,
  run: RunModel,
  opts: UnetTileOptions,
): Promise<Float32Array> {
  const { width: W, height: H } = layout;
  const T = frames.length;
  const out = new Float32Array(W * H);
  const xs = planAxis(W, opts.tile, opts.overlap);
  const ys = planAxis(H, opts.tile, opts.overlap);
  const groups = new Map<string, { tx: AxisTile; ty: AxisTile }[]>();
  for (const ty of ys) {
    for (const tx of xs) {
      const key = `${tx.len}x${ty.len}`;
      const g = groups.get(key) ?? [];
      g.push({ tx, ty });
      groups.set(key, g);
    }
  }
  const batch = Math.max(1, opts.batch ?? 4);
  for (const tiles of groups.values()) {
    const tw = tiles[0]!.tx.len;
    const th = tiles[0]!.ty.len;
    const plane = tw * th;
    for (let b = 0; b < tiles.length; b += batch) {
      const part = tiles.slice(b, b + batch);
      const input = new Float32Array(part.length * T * plane);
      part.forEach(({ tx, ty }, n) => {
        for (let t = 0; t < T; t++) toLumaRegion(frames[t]!, layout, tx.start, ty.start, tw, th, input, (n * T + t) * plane);
      });
      const prob = await run(input, [part.length, T, th, tw]);
      if (prob.length !== part.length * plane) throw new Error(`model returned ${prob.length} values for ${part.length} tiles of ${tw}x${th}`);
      part.forEach(({ tx, ty }, n) => {
        for (let y = ty.keepFrom; y < ty.keepTo; y++) {
          const src = n * plane + (y - ty.start) * tw - tx.start;
          const dst = y * W;
          for (let x = tx.keepFrom; x < tx.keepTo; x++) out[dst + x] = prob[src + x]!;
        }
      });
    }
  }
  return out;
}

/** Probability map to mask: seeds above `threshold`, grown through pixels above `lowThreshold`, dilated. */
export function maskFromProbability(prob: Float32Array, w: number, h: number, o: UnetMaskOptions): Uint8Array {
  const seeds = new Uint8Array(w * h);
  const weak = new Uint8Array(w * h);
  const low = Math.min(o.lowThreshold, o.threshold);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p >= o.threshold) seeds[i] = 255;
    if (p >= low) weak[i] = 255;
  }
  const kept = (o.minArea ?? 1) > 1 ? removeSmallComponents(seeds, w, h, o.minArea!) : seeds;
  return dilateMask(growHysteresis(kept, weak, w, h), w, h, o.dilate, 'disc');
}

/** One frame: window, tiled network, mask. `damaged` counts flagged pixels. */
export async function segmentFrameUnet(input: UnetSegmentInput, run: RunModel): Promise<{ mask: Uint8Array; damaged: number }> {
  const { layout } = input;
  const prob = await predictDamage(windowSources(input.frames), layout, run, input);
  const mask = maskFromProbability(prob, layout.width, layout.height, input);
  let damaged = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) damaged++;
  return { mask, damaged };
}
