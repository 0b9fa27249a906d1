/**
 * A no-reference look at real damage: a folder of consecutive frames with no ground truth. The service's
 * default detector (the learned segmenter, with its dilation) runs on every frame, the fill on a few, and
 * the report shows the flagged share per frame, the spike reference's for comparison, and before / after /
 * mask pictures. Nothing here is a score: only a person can judge these.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { detectSequence } from './peers/spike-detector.js';
import { detectSequenceUnet } from './peers/unet-detector.js';
import { CONTEXT_FRAMES } from './peers/median-inpainter.js';
import { medianFill } from '@reelrestore/shared/restore/median-fill';
import { configSchema } from '@reelrestore/shared/config';
import { defaultInpaintModelPath, diffusionFill, diffusionSettings } from '@reelrestore/shared/restore/diffusion-fill';
import { denoiserRunner } from '@reelrestore/shared/workers/compute-tasks';
import { hasInpaintModel } from './peers/diffusion-inpainter.js';
import { countMask } from '@reelrestore/shared/restore/morphology';
import { greyPng, overlayPng, previewGrey } from './render-images.js';

export interface RealClipPicture {
  frame: string;
  before: string;
  /** Repainted by the temporal median. */
  after: string;
  /** Repainted by the learned inpainter; absent without its model file. */
  after_diffusion?: string;
  mask: string;
}

export interface RealClipResult {
  dir: string;
  frames: number;
  width: number;
  height: number;
  /** Flagged share of pixels by the learned segmenter, per frame in order. */
  flagged_share: number[];
  mean_flagged_share: number;
  max_flagged_share: number;
  /** The same for the spike reference. */
  spike_flagged_share: number[];
  seconds: number;
  pictures: RealClipPicture[];
}

const defaults = configSchema.parse({});

/** PNG/TIFF frames of one folder, sorted by name, read as 8-bit grey (these scans carry no colour). */
async function readFolder(dir: string, limit: number): Promise<{ names: string[]; frames: Samples[]; layout: FrameLayout }> {
  const names = (await readdir(dir)).filter((n) => /\.(png|tiff?)$/i.test(n)).sort().slice(0, limit);
  if (names.length < 3) throw new Error(`${dir}: needs at least 3 frames, found ${names.length}`);
  const frames: Samples[] = [];
  let layout: FrameLayout | null = null;
  for (const n of names) {
    const { data, info } = await sharp(join(dir, n)).greyscale().extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    layout ??= { width: info.width, height: info.height, channels: 1, bits: 8 };
    if (info.width !== layout.width || info.height !== layout.height) throw new Error(`${n}: size differs from the first frame`);
    frames.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  return { names, frames, layout: layout! };
}

export async function lookAtRealClip(dir: string, opts: { maxFrames?: number; pictures?: number } = {}): Promise<RealClipResult> {
  const t0 = performance.now();
  const { names, frames, layout } = await readFolder(dir, opts.maxFrames ?? 48);
  const { masks } = await detectSequenceUnet(frames, layout);
  const { width: w, height: h } = layout;
  const share = (m: Uint8Array) => countMask(m) / m.length;
  const flagged = masks.map(share);
  const spikeFlagged = detectSequence(frames, layout).masks.map(share);
  // The most damaged frames show the most, but keep them apart so the pictures are not near-duplicates.
  const order = flagged.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s);
  const picked: number[] = [];
  for (const { i } of order) {
    if (picked.length >= (opts.pictures ?? 3)) break;
    if (picked.every((j) => Math.abs(j - i) > 4)) picked.push(i);
  }
  picked.sort((a, b) => a - b);
  const pictures: RealClipPicture[] = [];
  for (const t of picked) {
    const lo = Math.max(0, t - CONTEXT_FRAMES);
    const hi = Math.min(frames.length - 1, t + CONTEXT_FRAMES);
    const window = { frames: frames.slice(lo, hi + 1), center: t - lo, masks: masks.slice(lo, hi + 1), layout };
    const fixed = medianFill(window);
    const learned = hasInpaintModel() ? (await diffusionFill({ ...window, frameNumber: t }, await denoiserRunner(defaultInpaintModelPath()), diffusionSettings(defaults))).data : null;
    const before = previewGrey(frames[t]!, layout);
    pictures.push({
      frame: names[t]!,
      before: await greyPng(before, w, h),
      after: await greyPng(previewGrey(fixed.data, layout), w, h),
      ...(learned ? { after_diffusion: await greyPng(previewGrey(learned, layout), w, h) } : {}),
      mask: await overlayPng(before, w, h, masks[t]!, null),
    });
  }
  return {
    dir,
    frames: frames.length,
    width: w,
    height: h,
    flagged_share: flagged,
    mean_flagged_share: flagged.reduce((a, b) => a + b, 0) / flagged.length,
    max_flagged_share: Math.max(...flagged),
    spike_flagged_share: spikeFlagged,
    seconds: (performance.now() - t0) / 1000,
    pictures,
  };
}
