/**
 * Pictures for the HTML report: 8-bit previews of frames and mask overlays, as base64 PNG data URIs.
 * Overlay colours follow what restorers expect: yellow = damage found (TP), green = false alarm (FP),
 * red = damage missed (FN).
 */
import sharp from 'sharp';
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { toLuma } from '@reelrestore/shared/restore/luma';

type Rgb = readonly [number, number, number];
export const TP_COLOUR: Rgb = [255, 220, 0];
export const FP_COLOUR: Rgb = [0, 200, 60];
export const FN_COLOUR: Rgb = [230, 30, 30];
/** Colour strength over the picture: the picture under the mark must stay readable. */
const ALPHA = 0.65;

/** Display luma at 8 bits (previews only: the scores are computed at source depth). */
export function previewGrey(frame: Samples, layout: FrameLayout): Uint8Array {
  const l = toLuma(frame, layout);
  const out = new Uint8Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(l[i]! * 255)));
  return out;
}

export async function greyPng(grey: Uint8Array, w: number, h: number): Promise<string> {
  const png = await sharp(grey, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The picture in grey with detections coloured; without a truth every flagged pixel counts as found. */
export async function overlayPng(grey: Uint8Array, w: number, h: number, predicted: Uint8Array, truth: Uint8Array | null): Promise<string> {
  const rgb = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) {
    const g = grey[p]!;
    const pr = predicted[p] !== 0;
    const tr = truth === null ? pr : truth[p] !== 0;
    const colour = pr && tr ? TP_COLOUR : pr ? FP_COLOUR : tr ? FN_COLOUR : null;
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = colour ? Math.round(g * (1 - ALPHA) + colour[c]! * ALPHA) : g;
  }
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** A rectangle in pixels, top-left corner and size. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One plane (grey picture or mask, one value per pixel) cut to `r`, copied pixel for pixel: crops are shown 1:1, never resampled. */
export function cropPlane(src: Uint8Array, w: number, r: Rect): Uint8Array {
  const out = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) out.set(src.subarray((r.y + y) * w + r.x, (r.y + y) * w + r.x + r.width), y * r.width);
  return out;
}
