import type { FrameLayout, Samples } from '../frames/types.js';
import { toLuma } from './luma.js';
import { estimateMotion, warpLuma, type MotionField, type MotionOptions } from './motion.js';
import { countMask, dilateMask, growHysteresis, removeSmallComponents, type DilateShape } from './morphology.js';
import { cancellationPoint } from '../workers/cancellation.js';

export const DEFAULT_SPIKE_THRESHOLD = 0.06;
export const DEFAULT_SPIKE_DILATE = 2;
/** Single pixels are what grain produces; real dust almost always covers more than one. */
export const DEFAULT_MIN_AREA = 2;
/** With one neighbour there is no second witness, so the test is made this much stricter. */
export const DEFAULT_SINGLE_SIDED_FACTOR = 1.5;

export interface SpikeDetectInput {
  /** Luma of the previous frame already aligned to `cur`; null at the start of a shot. */
  prev: Float32Array | null;
  cur: Float32Array;
  /** Luma of the next frame already aligned to `cur`; null at the end of a shot. */
  next: Float32Array | null;
  w: number;
  h: number;
  /** Smallest jump, in [0,1] luma, against both neighbours that counts as damage. */
  threshold: number;
  /** Pixels added around every detection, to cover soft edges before repainting. */
  dilate: number;
  minArea?: number;
  /** Non-zero where the aligned prev is real picture (its source was inside the frame). */
  prevValid?: Uint8Array | null;
  nextValid?: Uint8Array | null;
  singleSidedFactor?: number;
  dilateShape?: DilateShape;
}

/**
 * The horizontal pass of a 3x3 min/max over one row starting at `row`: the minimum and maximum of a and b
 * at x-1, x, x+1 (clamped), written to lo and hi from `at`.
 */
export function rowMinMax3(a: Float32Array, b: Float32Array, row: number, w: number, lo: Float32Array, hi: Float32Array, at: number): void {
  // Sliding window of element-wise extremes at x-1, x, x+1.
  let u = a[row]!;
  let v = b[row]!;
  let curLo = u < v ? u : v;
  let curHi = u < v ? v : u;
  let prevLo = curLo;
  let prevHi = curHi;
  for (let x = 0; x < w; x++) {
    const xn = x < w - 1 ? x + 1 : x;
    u = a[row + xn]!;
    v = b[row + xn]!;
    const nextLo = u < v ? u : v;
    const nextHi = u < v ? v : u;
    const l = prevLo < curLo ? prevLo : curLo;
    const g = prevHi > curHi ? prevHi : curHi;
    lo[at + x] = l < nextLo ? l : nextLo;
    hi[at + x] = g > nextHi ? g : nextHi;
    prevLo = curLo;
    prevHi = curHi;
    curLo = nextLo;
    curHi = nextHi;
  }
}

/**
 * Separable 3x3 minimum and maximum, clamped at the borders. With `b`, of both images together (the
 * element-wise min/max first), which is what the two-sided test needs and half the work of two calls.
 */
export function minMax3x3(
  a: Float32Array,
  b: Float32Array | null,
  w: number,
  h: number,
): { lo: Float32Array; hi: Float32Array } {
  const tLo = new Float32Array(w * h);
  const tHi = new Float32Array(w * h);
  const other = b ?? a;
  for (let y = 0; y < h; y++) rowMinMax3(a, other, y * w, w, tLo, tHi, y * w);
  const lo = new Float32Array(w * h);
  const hi = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : y) * w;
    const row = y * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      let l = tLo[row + x]!;
      let u = tLo[up + x]!;
      let d = tLo[dn + x]!;
      lo[row + x] = l < u ? (l < d ? l : d) : u < d ? u : d;
      l = tHi[row + x]!;
      u = tHi[up + x]!;
      d = tHi[dn + x]!;
      hi[row + x] = l > u ? (l > d ? l : d) : u > d ? u : d;
    }
  }
  return { lo, hi };
}

/** 3x3 min and max of one image around one pixel, for the few pixels where a neighbour is invalid. */
function rangeAt(src: Float32Array, w: number, h: number, i: number, out: Float64Array): void {
  const x = i % w;
  const y = (i - x) / w;
  let lo = Infinity;
  let hi = -Infinity;
  for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
    for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
      const v = src[yy * w + xx]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  out[0] = lo;
  out[1] = hi;
}

/**
 * Motion-compensated temporal spike detector (SDI with rank-ordered neighbourhoods). Dust and dirt
 * sit on one frame only, so a damaged pixel is brighter than everything around it in both aligned
 * neighbours, or darker than everything. Comparing against the 3x3 min/max of the neighbours rather
 * than the co-sited pixel absorbs grain and the sub-pixel misalignment at edges.
 * Returns 255 = damage, 0 = clean.
 */
export function detectSpikes(input: SpikeDetectInput): Uint8Array {
  const { prev, cur, next, w, h } = input;
  const n = w * h;
  const seeds = new Uint8Array(n);
  const weak = new Uint8Array(n);
  if (prev === null && next === null) return seeds;
  const minArea = input.minArea ?? DEFAULT_MIN_AREA;
  const single = input.singleSidedFactor ?? DEFAULT_SINGLE_SIDED_FACTOR;
  const inv2 = 1 / Math.max(1e-6, input.threshold);
  const inv1 = inv2 / single;
  // Extremes over both neighbours where both exist, else over the one there is.
  const both = prev !== null && next !== null;
  const only = prev ?? next!;
  const r = both ? minMax3x3(prev, next, w, h) : minMax3x3(only, null, w, h);
  const pValid = prev ? (input.prevValid ?? null) : null;
  const nValid = next ? (input.nextValid ?? null) : null;
  const onlyValid = prev ? pValid : nValid;
  const tmp = new Float64Array(2);

  for (let i = 0; i < n; i++) {
    let lo = r.lo[i]!;
    let hi = r.hi[i]!;
    let inv = both ? inv2 : inv1;
    if (both) {
      const hasP = pValid === null || pValid[i] !== 0;
      const hasN = nValid === null || nValid[i] !== 0;
      if (!hasP || !hasN) {
        // A neighbour whose picture came from outside its frame cannot witness: single-sided here.
        if (!hasP && !hasN) continue;
        rangeAt(hasP ? prev : next, w, h, i, tmp);
        lo = tmp[0]!;
        hi = tmp[1]!;
        inv = inv1;
      }
    } else if (onlyValid !== null && onlyValid[i] === 0) continue;
    const c = cur[i]!;
    const up = c - hi;
    const down = lo - c;
    // Score in units of the threshold: 1 = strict test, 0.5 = hysteresis test.
    const score = (up > down ? up : down) * inv;
    if (score > 1) seeds[i] = 255;
    if (score > 0.5) weak[i] = 255;
  }

  const kept = removeSmallComponents(seeds, w, h, minArea);
  const grown = growHysteresis(kept, weak, w, h);
  return dilateMask(grown, w, h, input.dilate, input.dilateShape ?? 'disc');
}

export interface FrameSpikeInput {
  prev: Samples | null;
  cur: Samples;
  next: Samples | null;
  layout: FrameLayout;
  threshold?: number;
  dilate?: number;
  minArea?: number;
  singleSidedFactor?: number;
  motion?: MotionOptions;
}

export interface FrameSpikeResult {
  mask: Uint8Array;
  /** Flagged pixels in the mask. */
  damaged: number;
  /** The fields that aligned prev / next onto cur (reusable by the fill); null where absent. */
  prevField: MotionField | null;
  nextField: MotionField | null;
}

/** One call per frame for a worker holding the window [prev, cur, next]: luma, motion, warp, detect. */
export function detectSpikesForFrame(input: FrameSpikeInput): FrameSpikeResult {
  const { layout } = input;
  const w = layout.width;
  const h = layout.height;
  const cur = toLuma(input.cur, layout);
  const align = (frame: Samples | null): { luma: Float32Array; valid: Uint8Array; field: MotionField } | null => {
    if (frame === null) return null;
    // Each neighbour's motion search is most of a frame's work: a cancelled task stops between them.
    cancellationPoint();
    const luma = toLuma(frame, layout);
    // Integer vectors are enough here: the 3x3 ranges absorb the half-pixel the nearest warp leaves.
    const field = estimateMotion(cur, luma, w, h, { subpixel: false, ...input.motion });
    const warped = warpLuma(luma, w, h, field);
    return { luma: warped.data, valid: warped.valid, field };
  };
  const p = align(input.prev);
  const n = align(input.next);
  cancellationPoint();
  const mask = detectSpikes({
    prev: p?.luma ?? null,
    cur,
    next: n?.luma ?? null,
    w,
    h,
    threshold: input.threshold ?? DEFAULT_SPIKE_THRESHOLD,
    dilate: input.dilate ?? DEFAULT_SPIKE_DILATE,
    minArea: input.minArea,
    prevValid: p?.valid ?? null,
    nextValid: n?.valid ?? null,
    singleSidedFactor: input.singleSidedFactor,
  });
  return { mask, damaged: countMask(mask), prevField: p?.field ?? null, nextField: n?.field ?? null };
}
