import type { FrameLayout, Samples } from '../frames/types.js';
import { maxSampleValue, toLuma } from './luma.js';
import { estimateMotion, fieldSampler, vectorAt, type MotionField, type MotionOptions } from './motion.js';
import { countMask } from './morphology.js';
import { cancellationPoint } from '../workers/cancellation.js';

export interface MedianFillInput {
  /** The raw window of frames (not aligned), all with `layout`. */
  frames: Samples[];
  /** Index in `frames` of the frame being repaired. */
  center: number;
  /** Per window frame, 255 = damage; null where unknown (then treated as clean). */
  masks: (Uint8Array | null)[];
  layout: FrameLayout;
  /** Per window frame, a field aligning it onto the centre; missing or null entries are estimated. */
  motion?: (MotionField | null | undefined)[];
  motionOptions?: MotionOptions;
  /** How aligned neighbours are read: bilinear follows sub-pixel motion, nearest keeps grain crisper. */
  sampling?: 'bilinear' | 'nearest';
}

export interface MedianFillResult {
  /** A copy of the centre frame with only masked pixels replaced. */
  data: Samples;
  /** Masked pixels that were replaced (temporally or spatially). */
  patched: number;
  /** Of those, how many had no clean aligned neighbour and were filled from the centre frame itself. */
  spatial: number;
  /**
   * Masked pixels whose aligned neighbours disagree (no two within DISAGREE_TOLERANCE of their median):
   * motion compensation failed there (a limb, an occlusion), and pasting one neighbour would ghost it, so
   * they were filled from the centre frame's own surroundings like the pixels no neighbour could vouch for.
   */
  disagree: Int32Array;
}

/**
 * Aligned neighbours agree when at least two lie within this share of full scale of their median: about
 * three grain sigmas of a difference at film's usual grain, far below what a moving edge gives.
 */
export const DISAGREE_TOLERANCE = 0.08;

/**
 * Motion-compensated temporal median fill. Every other window frame is aligned to the centre (with
 * both frames' damage left out of the match); each masked centre pixel takes, per channel, the median
 * of the aligned neighbours that are clean and inside the frame there. Pixels no neighbour can vouch
 * for are filled by inward diffusion from the centre's own clean pixels.
 * Invariant: every pixel where the centre mask is 0 is bit-identical to the input centre frame.
 */
export function medianFill(input: MedianFillInput): MedianFillResult {
  const { frames, center, masks, layout } = input;
  const { width: w, height: h, channels: C } = layout;
  const centre = frames[center];
  if (!centre) throw new RangeError(`medianFill: centre ${center} outside window of ${frames.length}`);
  checkWindow(input);
  const data = centre.slice();
  const cmask = masks[center] ?? null;
  const none = { data, patched: 0, spatial: 0, disagree: new Int32Array(0) };
  if (cmask === null) return none;

  const targets = maskedIndices(cmask);
  const K = targets.length;
  if (K === 0) return none;

  const neighbours: number[] = [];
  for (let i = 0; i < frames.length; i++) if (i !== center && frames[i]) neighbours.push(i);
  const N = neighbours.length;
  // Gathered samples: per target pixel, per neighbour, per channel; ok marks which were usable.
  const vals = new Float32Array(K * Math.max(1, N) * C);
  const ok = new Uint8Array(K * Math.max(1, N));
  const bilinear = (input.sampling ?? 'bilinear') === 'bilinear';

  if (N > 0) {
    // Only needed when a field is missing (at 4K it is 51 MB).
    let lumaC: Float32Array | null = null;
    for (let j = 0; j < N; j++) {
      // Each neighbour's motion search and gather is most of the work: a cancelled task stops between them.
      cancellationPoint();
      const fi = neighbours[j]!;
      const frame = frames[fi]!;
      const nmask = masks[fi] ?? null;
      const field =
        input.motion?.[fi] ??
        estimateMotion((lumaC ??= toLuma(centre, layout)), toLuma(frame, layout), w, h, {
          ...input.motionOptions,
          refMask: cmask,
          otherMask: nmask,
        });
      gatherNeighbour(frame, nmask, field, layout, targets, j, N, vals, ok, bilinear);
    }
  }

  cancellationPoint();
  const maxV = maxSampleValue(layout.bits);
  const tol = DISAGREE_TOLERANCE * maxV;
  const tmp = new Float64Array(Math.max(1, N));
  const unfilled: number[] = [];
  const disagree: number[] = [];
  for (let k = 0; k < K; k++) {
    const p = targets[k]!;
    let n = 0;
    for (let j = 0; j < N; j++) if (ok[k * N + j] !== 0) n++;
    if (n === 0) {
      unfilled.push(p);
      continue;
    }
    if (n >= 2 && !neighboursAgree(vals, ok, k, N, C, tol, tmp)) {
      disagree.push(p);
      unfilled.push(p);
      continue;
    }
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let j = 0; j < N; j++) if (ok[k * N + j] !== 0) tmp[m++] = vals[(k * N + j) * C + c]!;
      data[p * C + c] = roundClamp(medianInPlace(tmp, m), maxV);
    }
  }

  const spatial = unfilled.length > 0 ? spatialFill(data, Int32Array.from(unfilled), layout) : 0;
  return { data, patched: K - unfilled.length + spatial, spatial, disagree: Int32Array.from(disagree) };
}

/** Whether at least two usable neighbours of target k lie within `tol` of their median (channel mean). */
function neighboursAgree(vals: Float32Array, ok: Uint8Array, k: number, N: number, C: number, tol: number, tmp: Float64Array): boolean {
  let m = 0;
  for (let j = 0; j < N; j++) {
    if (ok[k * N + j] === 0) continue;
    let v = 0;
    for (let c = 0; c < C; c++) v += vals[(k * N + j) * C + c]!;
    tmp[m++] = v / C;
  }
  const sorted = tmp.slice(0, m);
  const med = medianInPlace(sorted, m);
  // Two values are within tol of each other only if each is within tol/2 of their mean.
  const t = m === 2 ? tol / 2 : tol;
  let close = 0;
  for (let i = 0; i < m; i++) if (Math.abs(sorted[i]! - med) <= t) close++;
  return close >= 2;
}

/** Every frame and mask must match the layout: a short buffer would silently read undefined. */
function checkWindow(input: MedianFillInput): void {
  const { width: w, height: h, channels: C } = input.layout;
  for (const f of input.frames) {
    if (f.length !== w * h * C) throw new RangeError(`medianFill: frame has ${f.length} samples, expected ${w * h * C}`);
  }
  for (const m of input.masks) {
    if (m && m.length !== w * h) throw new RangeError(`medianFill: mask has ${m.length} pixels, expected ${w * h}`);
  }
}

function maskedIndices(mask: Uint8Array): Int32Array {
  const out = new Int32Array(countMask(mask));
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i] !== 0) out[k++] = i;
  return out;
}

function roundClamp(v: number, maxV: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > maxV ? maxV : r;
}

/** Median of the first n entries (n >= 1), sorting them in place; n is a handful, so insertion sort. */
function medianInPlace(a: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
  const mid = n >> 1;
  return n & 1 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

/**
 * Reads one neighbour at the motion-compensated position of every target pixel. Only the targets are
 * sampled (a few percent of the frame), never the whole warped frame. A sample is rejected when its
 * source lies outside the frame or touches the neighbour's own damage.
 */
function gatherNeighbour(
  frame: Samples,
  nmask: Uint8Array | null,
  field: MotionField,
  layout: FrameLayout,
  targets: Int32Array,
  j: number,
  N: number,
  vals: Float32Array,
  ok: Uint8Array,
  bilinear: boolean,
): void {
  const { width: w, height: h, channels: C } = layout;
  const s = fieldSampler(field, w, h);
  const v = new Float64Array(2);
  const maxX = w - 1;
  const maxY = h - 1;
  for (let k = 0; k < targets.length; k++) {
    const p = targets[k]!;
    const x = p % w;
    const y = (p - x) / w;
    vectorAt(s, x, y, v);
    const sx = x + v[0]!;
    const sy = y + v[1]!;
    if (!(sx > -0.5 && sx < w - 0.5 && sy > -0.5 && sy < h - 0.5)) continue;
    const o = (k * N + j) * C;
    if (!bilinear) {
      const si = Math.round(sy) * w + Math.round(sx);
      if (nmask !== null && nmask[si] !== 0) continue;
      for (let c = 0; c < C; c++) vals[o + c] = frame[si * C + c]!;
      ok[k * N + j] = 1;
      continue;
    }
    const cx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
    const cy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
    const x0 = cx | 0;
    const y0 = cy | 0;
    const x1 = cx > x0 && x0 < maxX ? x0 + 1 : x0;
    const y1 = cy > y0 && y0 < maxY ? y0 + 1 : y0;
    const i00 = y0 * w + x0;
    const i01 = y0 * w + x1;
    const i10 = y1 * w + x0;
    const i11 = y1 * w + x1;
    if (nmask !== null && (nmask[i00]! | nmask[i01]! | nmask[i10]! | nmask[i11]!) !== 0) continue;
    const fx = cx - x0;
    const fy = cy - y0;
    const a = (1 - fx) * (1 - fy);
    const b = fx * (1 - fy);
    const c2 = (1 - fx) * fy;
    const d = fx * fy;
    for (let c = 0; c < C; c++) {
      vals[o + c] = a * frame[i00 * C + c]! + b * frame[i01 * C + c]! + c2 * frame[i10 * C + c]! + d * frame[i11 * C + c]!;
    }
    ok[k * N + j] = 1;
  }
}

/**
 * Onion-peel diffusion for pixels no neighbour frame could supply: each pass fills the pending pixels
 * that touch known ones with the weighted mean of their known 8-neighbours, computed from the state
 * before the pass so the fill has no sweep-direction bias. Known = unmasked or already repaired.
 * Returns how many were filled (all of them unless the frame has no clean pixel at all).
 */
function spatialFill(data: Samples, pending: Int32Array, layout: FrameLayout): number {
  const { width: w, height: h, channels: C } = layout;
  const maxV = maxSampleValue(layout.bits);
  // Clean and temporally repaired pixels are both known: only the pending ones are not.
  const known = new Uint8Array(w * h).fill(1);
  for (let k = 0; k < pending.length; k++) known[pending[k]!] = 0;

  let todo = pending;
  let filled = 0;
  const next = new Float64Array(pending.length * C);
  const ready = new Uint8Array(pending.length);
  const acc = new Float64Array(C);
  while (todo.length > 0) {
    cancellationPoint();
    let progress = 0;
    for (let k = 0; k < todo.length; k++) {
      const p = todo[k]!;
      const x = p % w;
      const y = (p - x) / w;
      let wsum = 0;
      acc.fill(0);
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if ((dx === 0 && dy === 0) || xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (known[q] === 0) continue;
          // Diagonal neighbours are further away, so they count less.
          const wt = dx !== 0 && dy !== 0 ? 0.7071 : 1;
          wsum += wt;
          for (let c = 0; c < C; c++) acc[c] = acc[c]! + wt * data[q * C + c]!;
        }
      }
      ready[k] = wsum > 0 ? 1 : 0;
      if (wsum > 0) {
        progress++;
        for (let c = 0; c < C; c++) next[k * C + c] = acc[c]! / wsum;
      }
    }
    if (progress === 0) break;
    const rest: number[] = [];
    for (let k = 0; k < todo.length; k++) {
      const p = todo[k]!;
      if (ready[k] === 0) {
        rest.push(p);
        continue;
      }
      for (let c = 0; c < C; c++) data[p * C + c] = roundClamp(next[k * C + c]!, maxV);
      known[p] = 1;
      filled++;
    }
    todo = Int32Array.from(rest);
  }
  return filled;
}
