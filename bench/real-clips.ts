/**
 * A no-reference look at real damage: folders of consecutive frames with no ground truth. The service's
 * default pipeline (the learned segmenter with its dilation, then the learned inpainter, or the temporal
 * median without its model file) runs on every frame, and the figures say what a restorer needs to judge
 * "do no harm": how many pixels changed at all (and where), and how much one-frame damage went away
 * (temporal spikes before / after). The pictures show the mask over whole frames and the places that
 * changed most at 1:1. Nothing here proves a restoration right: a person has to look.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { toLuma } from '@reelrestore/shared/restore/luma';
import { countMask } from '@reelrestore/shared/restore/morphology';
import { detectSequence } from './peers/spike-detector.js';
import { detectSequenceUnet } from './peers/unet-detector.js';
import { medianFillSequence } from './peers/median-inpainter.js';
import { diffusionFillSequence, hasInpaintModel } from './peers/diffusion-inpainter.js';
import { countSpikes } from './metrics/temporal-spikes.js';
import { cropPlane, greyPng, overlayPng, previewGrey, type Rect } from './render-images.js';

/** Frames read per clip unless told otherwise: ten seconds of film keeps the bench to minutes. */
export const DEFAULT_MAX_FRAMES = 240;
/** Side of the square before/after crops, in source pixels. */
export const CROP_SIZE = 96;
const FRAME_EXT = /\.(png|tiff?)$/i;

/** A whole frame: before, after, and the mask over it (yellow = flagged and repainted, green = flagged but left as it was, red = changed outside the mask). */
export interface RealClipFramePicture {
  frame: string;
  index: number;
  changed_share: number;
  before: string;
  after: string;
  overlay: string;
}

/** A place that changed much, in one frame. Coordinates are the crop's top-left corner in the frame. */
export interface ChangedPlace extends Rect {
  frame: string;
  index: number;
  /** Changed pixels inside the crop. */
  changed_pixels: number;
}

export interface RealClipCrop extends ChangedPlace {
  /** PNGs of exactly width x height pixels, cut from the frame without scaling. */
  before: string;
  after: string;
  overlay: string;
}

export interface RealClipPictures {
  frames: RealClipFramePicture[];
  crops: RealClipCrop[];
}

export interface RealClipResult {
  /** The clip folder's name. */
  name: string;
  dir: string;
  /** Frames looked at (the first ones in name order), of frames_in_folder. */
  frames: number;
  frames_in_folder: number;
  width: number;
  height: number;
  detector: 'unet';
  inpainter: 'diffusion' | 'median';
  /** Share of all pixels of all frames whose restored value differs from the input (any channel). */
  pixels_changed_share: number;
  /** The same per frame, in order. */
  changed_share: number[];
  changed_share_max: number;
  /** Changed pixels outside the frame's own mask, as a share of all pixels: anything above 0 is harm the mask does not own up to. */
  changed_outside_mask_share: number;
  /** Share of pixels in the (dilated) repaint mask, per frame in order. */
  flagged_share: number[];
  mask_share_mean: number;
  mask_share_max: number;
  /** The spike reference's flagged share per frame, for comparison. */
  spike_flagged_share: number[];
  /** Temporal spikes (see metrics/temporal-spikes.ts) over frames with both neighbours, in the input and in the restored clip. */
  spikes_before: number;
  spikes_after: number;
  /** 1 − after / before; null when the input has none. */
  spike_reduction: number | null;
  /** Where the most pixels changed (the crops in the HTML), most first. */
  changed_places: ChangedPlace[];
  seconds: number;
  pictures: RealClipPictures;
}

/** Every folder holding PNG/TIFF frames at or under `dir`, each one clip, in name order; a folder of frames is not searched further. */
export async function findClipDirs(dir: string): Promise<string[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && FRAME_EXT.test(e.name))) return [dir];
  const out: string[] = [];
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) out.push(...(await findClipDirs(join(dir, e.name))));
  return out;
}

export interface Clip {
  names: string[];
  inFolder: number;
  frames: Samples[];
  layout: FrameLayout;
}

/** PNG/TIFF frames of one folder, sorted by name, read as 8-bit grey (these scans carry no colour). */
export async function readFolder(dir: string, limit: number): Promise<Clip> {
  const all = (await readdir(dir)).filter((n) => FRAME_EXT.test(n)).sort();
  const names = all.slice(0, limit);
  if (names.length < 3) throw new Error(`${dir}: needs at least 3 frames, found ${names.length}`);
  const frames: Samples[] = [];
  let layout: FrameLayout | null = null;
  for (const n of names) {
    const { data, info } = await sharp(join(dir, n)).greyscale().extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    layout ??= { width: info.width, height: info.height, channels: 1, bits: 8 };
    if (info.width !== layout.width || info.height !== layout.height) throw new Error(`${n}: size differs from the first frame`);
    frames.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  return { names, inFolder: all.length, frames, layout: layout! };
}

/** 1 where any channel of the restored pixel differs from the input. */
export function changedMap(input: Samples, restored: Samples, layout: FrameLayout): Uint8Array {
  const n = layout.width * layout.height;
  const c = layout.channels;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) for (let k = 0; k < c; k++) if (input[p * c + k] !== restored[p * c + k]) out[p] = 1;
  return out;
}

/** The busiest frames, kept more than 4 frames apart so the pictures are not near-duplicates; in frame order. */
export function pickFrames(counts: number[], n: number): number[] {
  const order = counts.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const picked: number[] = [];
  for (const { i } of order) {
    if (picked.length >= n) break;
    if (picked.every((j) => Math.abs(j - i) > 4)) picked.push(i);
  }
  return picked.sort((a, b) => a - b);
}

interface Candidate {
  t: number;
  cell: number;
  count: number;
  rect: Rect;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Per frame and grid cell, the changed pixels and a crop centred on their centroid (clamped to the frame). */
function cellCandidates(changed: Uint8Array[], w: number, h: number, size: number): Candidate[] {
  const cw = Math.min(size, w);
  const ch = Math.min(size, h);
  const cols = Math.ceil(w / size);
  const cells = cols * Math.ceil(h / size);
  const out: Candidate[] = [];
  changed.forEach((m, t) => {
    const count = new Float64Array(cells);
    const sx = new Float64Array(cells);
    const sy = new Float64Array(cells);
    for (let y = 0; y < h; y++) {
      const row = Math.floor(y / size) * cols;
      for (let x = 0; x < w; x++) {
        if (m[y * w + x] === 0) continue;
        const c = row + Math.floor(x / size);
        count[c]!++;
        sx[c]! += x;
        sy[c]! += y;
      }
    }
    for (let c = 0; c < cells; c++) {
      if (count[c] === 0) continue;
      const cx = Math.round(sx[c]! / count[c]!);
      const cy = Math.round(sy[c]! / count[c]!);
      const x = Math.max(0, Math.min(w - cw, cx - (cw >> 1)));
      const y = Math.max(0, Math.min(h - ch, cy - (ch >> 1)));
      out.push({ t, cell: c, count: count[c]!, rect: { x, y, width: cw, height: ch } });
    }
  });
  return out;
}

function countIn(m: Uint8Array, w: number, r: Rect): number {
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) if (m[y * w + x] !== 0) n++;
  return n;
}

/**
 * The `n` places where the most pixels changed: the busiest (frame, grid cell) pairs, each grid cell (region
 * of the frame) used once so the crops show different places, and no two crops of one frame overlapping.
 */
export function pickChangedPlaces(changed: Uint8Array[], w: number, h: number, n: number, size = CROP_SIZE): { t: number; rect: Rect; changed_pixels: number }[] {
  const candidates = cellCandidates(changed, w, h, size).sort((a, b) => b.count - a.count || a.t - b.t || a.cell - b.cell);
  const picked: Candidate[] = [];
  for (const c of candidates) {
    if (picked.length >= n) break;
    if (picked.some((p) => p.cell === c.cell || (p.t === c.t && overlaps(p.rect, c.rect)))) continue;
    picked.push(c);
  }
  return picked.map((p) => ({ t: p.t, rect: p.rect, changed_pixels: countIn(changed[p.t]!, w, p.rect) }));
}

async function restoreClip(frames: Samples[], masks: Uint8Array[], layout: FrameLayout): Promise<{ restored: Samples[]; inpainter: RealClipResult['inpainter'] }> {
  if (hasInpaintModel()) return { restored: await diffusionFillSequence(frames, masks, layout), inpainter: 'diffusion' };
  return { restored: medianFillSequence(frames, masks, layout), inpainter: 'median' };
}

interface Pass {
  clip: Clip;
  masks: Uint8Array[];
  restored: Samples[];
  changed: Uint8Array[];
}

async function framePictures({ clip, masks, restored, changed }: Pass, picked: number[]): Promise<RealClipFramePicture[]> {
  const { width: w, height: h } = clip.layout;
  const out: RealClipFramePicture[] = [];
  for (const t of picked) {
    const before = previewGrey(clip.frames[t]!, clip.layout);
    out.push({
      frame: clip.names[t]!,
      index: t,
      changed_share: countMask(changed[t]!) / (w * h),
      before: await greyPng(before, w, h),
      after: await greyPng(previewGrey(restored[t]!, clip.layout), w, h),
      overlay: await overlayPng(before, w, h, masks[t]!, changed[t]!),
    });
  }
  return out;
}

async function cropPictures({ clip, masks, restored, changed }: Pass, places: ChangedPlace[]): Promise<RealClipCrop[]> {
  const w = clip.layout.width;
  const out: RealClipCrop[] = [];
  for (const p of places) {
    const before = cropPlane(previewGrey(clip.frames[p.index]!, clip.layout), w, p);
    const after = cropPlane(previewGrey(restored[p.index]!, clip.layout), w, p);
    const overlay = await overlayPng(before, p.width, p.height, cropPlane(masks[p.index]!, w, p), cropPlane(changed[p.index]!, w, p));
    out.push({ ...p, before: await greyPng(before, p.width, p.height), after: await greyPng(after, p.width, p.height), overlay });
  }
  return out;
}

function outsideMask(changed: Uint8Array[], masks: Uint8Array[]): number {
  let n = 0;
  changed.forEach((c, t) => {
    const m = masks[t]!;
    for (let i = 0; i < c.length; i++) if (c[i] !== 0 && m[i] === 0) n++;
  });
  return n;
}

export async function lookAtRealClip(dir: string, opts: { maxFrames?: number; pictures?: number; crops?: number } = {}): Promise<RealClipResult> {
  const t0 = performance.now();
  const clip = await readFolder(dir, opts.maxFrames ?? DEFAULT_MAX_FRAMES);
  const { frames, layout, names } = clip;
  const { width: w, height: h } = layout;
  const px = w * h;
  const { masks } = await detectSequenceUnet(frames, layout);
  const { restored, inpainter } = await restoreClip(frames, masks, layout);
  const changed = frames.map((f, t) => changedMap(f, restored[t]!, layout));
  const changedCounts = changed.map(countMask);
  const flagged = masks.map((m) => countMask(m) / px);
  // Spikes in the restored clip are counted on the input's alignment: the same geometry on both sides.
  const before = countSpikes(frames.map((f) => toLuma(f, layout)), w, h);
  const after = countSpikes(restored.map((f) => toLuma(f, layout)), w, h, before.alignments);
  const pass: Pass = { clip, masks, restored, changed };
  const places: ChangedPlace[] = pickChangedPlaces(changed, w, h, opts.crops ?? 6).map(({ t, rect, changed_pixels }) => ({ frame: names[t]!, index: t, ...rect, changed_pixels }));
  const changedShare = changedCounts.map((n) => n / px);
  const pictures: RealClipPictures = {
    frames: await framePictures(pass, pickFrames(changedCounts, opts.pictures ?? 3)),
    crops: await cropPictures(pass, places),
  };
  return {
    name: basename(dir),
    dir,
    frames: frames.length,
    frames_in_folder: clip.inFolder,
    width: w,
    height: h,
    detector: 'unet',
    inpainter,
    pixels_changed_share: changedCounts.reduce((a, b) => a + b, 0) / (px * frames.length),
    changed_share: changedShare,
    changed_share_max: Math.max(...changedShare),
    changed_outside_mask_share: outsideMask(changed, masks) / (px * frames.length),
    flagged_share: flagged,
    mask_share_mean: flagged.reduce((a, b) => a + b, 0) / flagged.length,
    mask_share_max: Math.max(...flagged),
    spike_flagged_share: detectSequence(frames, layout).masks.map((m) => countMask(m) / px),
    spikes_before: before.total,
    spikes_after: after.total,
    spike_reduction: before.total > 0 ? 1 - after.total / before.total : null,
    changed_places: places,
    seconds: (performance.now() - t0) / 1000,
    pictures,
  };
}
