import type { FrameLayout, Samples } from '../frames/types.js';

/** Rec.709 luma weights: detection and motion work on luma only, so colour noise cannot fire them. */
const KR = 0.2126;
const KG = 0.7152;
const KB = 0.0722;

/** Largest sample value at a bit depth (255 or 65535). */
export function maxSampleValue(bits: 8 | 16): number {
  return bits === 16 ? 65535 : 255;
}

/** Luma of a frame normalised to [0,1], so thresholds mean the same at 8 and 16 bits. Written into `out` when given. */
export function toLuma(frame: Samples, layout: FrameLayout, out: Float32Array = new Float32Array(layout.width * layout.height)): Float32Array {
  const n = layout.width * layout.height;
  if (out.length !== n) throw new RangeError(`luma buffer holds ${out.length} values, the frame ${n}`);
  if (frame.length !== n * layout.channels) throw new RangeError(`frame holds ${frame.length} samples, ${layout.width}x${layout.height}x${layout.channels} needs ${n * layout.channels}`);
  const scale = 1 / maxSampleValue(layout.bits);
  if (layout.channels === 1) {
    for (let i = 0; i < n; i++) out[i] = frame[i]! * scale;
    return out;
  }
  const r = KR * scale;
  const g = KG * scale;
  const b = KB * scale;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = frame[j]! * r + frame[j + 1]! * g + frame[j + 2]! * b;
  }
  return out;
}

export interface LumaImage {
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * Halves an image with a 2x2 box average (the pyramid step of motion estimation). An odd last row or
 * column is dropped: the coarse levels only guide the search, they never sample the output. Written into
 * `out` when given (every value is set).
 */
export function downscale2(src: Float32Array, w: number, h: number, out: Float32Array = new Float32Array(Math.max(1, w >> 1) * Math.max(1, h >> 1))): LumaImage {
  const w2 = Math.max(1, w >> 1);
  const h2 = Math.max(1, h >> 1);
  if (out.length !== w2 * h2) throw new RangeError(`halved plane holds ${out.length} values, ${w2}x${h2} needs ${w2 * h2}`);
  if (w < 2 || h < 2) {
    // Degenerate strip: nothing sensible to average, keep the first samples.
    for (let y = 0; y < h2; y++) for (let x = 0; x < w2; x++) out[y * w2 + x] = src[y * w + x]!;
    return { data: out, width: w2, height: h2 };
  }
  for (let y = 0; y < h2; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    const o = y * w2;
    for (let x = 0; x < w2; x++) {
      const c = 2 * x;
      out[o + x] = (src[r0 + c]! + src[r0 + c + 1]! + src[r1 + c]! + src[r1 + c + 1]!) * 0.25;
    }
  }
  return { data: out, width: w2, height: h2 };
}

/**
 * Halves a mask keeping a coarse pixel flagged when any of its four fine pixels is flagged, so
 * damage excluded at full resolution stays excluded at every pyramid level.
 */
export function downscaleMask2(src: Uint8Array, w: number, h: number): Uint8Array {
  const w2 = Math.max(1, w >> 1);
  const h2 = Math.max(1, h >> 1);
  const out = new Uint8Array(w2 * h2);
  if (w < 2 || h < 2) {
    for (let y = 0; y < h2; y++) for (let x = 0; x < w2; x++) out[y * w2 + x] = src[y * w + x]! ? 255 : 0;
    return out;
  }
  for (let y = 0; y < h2; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    const o = y * w2;
    for (let x = 0; x < w2; x++) {
      const c = 2 * x;
      out[o + x] = src[r0 + c]! | src[r0 + c + 1]! | src[r1 + c]! | src[r1 + c + 1]! ? 255 : 0;
    }
  }
  return out;
}
