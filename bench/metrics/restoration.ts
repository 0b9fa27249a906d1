/**
 * Restoration scores of a repaired sequence against its clean truth. Every score is pooled over all
 * frames of the set (sums first, one ratio at the end), like the detection counts.
 *
 * Conventions:
 * - PSNR: peak = largest sample value of the layout (255 or 65535), every channel of a selected pixel
 *   counts. Identical images give Infinity from `psnrFrom`; the report caps it at PSNR_CAP_DB so that
 *   JSON stays numeric and bars stay drawable. No selected pixel at all gives null.
 * - damage_left: a true-damage pixel is still visibly damaged when, in any channel, the mean error
 *   against the clean truth over the true-damage pixels within DAMAGE_LEFT_RADIUS of it (a 5x5 window)
 *   is above DAMAGE_LEFT_THRESHOLD of the range (10/255). Left-in damage is coherent, so its mean error
 *   stays (a 1-pixel hair keeps its whole contrast: only hair pixels are averaged), while grain, new in
 *   every frame, is independent of the truth's and averages out. Calibration on the quick set: the truth
 *   with a new grain draw (the `truth_new_grain` peer, a perfect restoration that carries grain) scores
 *   0.011; doing nothing scores 0.80.
 *   damage_left_pixel is the same test on each pixel alone. It charges every grain-carrying fill for
 *   the grain: the truth with a new grain draw scores 0.12 on it.
 * - untouched_exact: share of pixels outside the method's own repaint mask that are bit-identical to
 *   its input. Whole-frame filters (tmedian) claim no mask, so all their pixels count.
 *   clean_kept_exact is the same share outside the TRUE mask (DESIGN's "undamaged pixels left
 *   bit-identical"): it also charges false-alarm repaints. far_kept_exact counts only the pixels more
 *   than FAR_RADIUS from any true damage: what a repaint of picture (not a mask's soft edge) costs.
 * - masked_psnr_moving: masked_psnr over the true damage pixels that lie on things moving on their own
 *   (the generator's actors): a fill that pastes a neighbour's background into a walking figure shows
 *   there as ghosting. null when the set has no damage on a moving thing.
 * - grain_ratio: std of the high-pass residual (sample − 3x3 box mean, borders clamped) over true-damage
 *   pixels, restored / clean. 1 = the repaint carries the truth's grain; below 1 = smeared.
 * - flicker: over pixels in the true mask of frame t or t−1 (co-sited, t ≥ 1 within a sequence), the
 *   mean |(R_t − R_{t−1}) − (C_t − C_{t−1})| in 8-bit code values. Subtracting the truth's own change
 *   cancels motion and grain, so what remains is temporal change the restoration added (0 = perfect).
 *   flicker_ratio = mean |R_t − R_{t−1}| / mean |C_t − C_{t−1}| on the same pixels: 1 = as steady as
 *   the truth, above 1 = pops, null when the truth does not change there at all.
 */
import type { FrameLayout, Samples } from '@reelrestore/shared/frames/types';
import { maxSampleValue } from '@reelrestore/shared/restore/luma';
import { dilateMask } from '@reelrestore/shared/restore/morphology';

export const PSNR_CAP_DB = 100;
export const DAMAGE_LEFT_THRESHOLD = 10 / 255;
/** Pixels further than this from any true damage are never the damage's own edge: any change there is harm. */
export const FAR_RADIUS = 12;

export interface SquaredError {
  sse: number;
  /** Samples (pixels × channels) summed. */
  n: number;
}

/** Sum of squared sample differences over pixels where `select` is non-zero (all pixels when null). */
export function squaredError(a: Samples, b: Samples, channels: number, select: Uint8Array | null): SquaredError {
  let sse = 0;
  let n = 0;
  const pixels = a.length / channels;
  for (let p = 0; p < pixels; p++) {
    if (select !== null && select[p] === 0) continue;
    for (let c = 0; c < channels; c++) {
      const d = a[p * channels + c]! - b[p * channels + c]!;
      sse += d * d;
    }
    n += channels;
  }
  return { sse, n };
}

export function psnrFrom(e: SquaredError, peak: number): number | null {
  if (e.n === 0) return null;
  if (e.sse === 0) return Infinity;
  return 10 * Math.log10((peak * peak) / (e.sse / e.n));
}

/** PSNR as the report shows it: capped, null stays null. */
export function reportPsnr(db: number | null): number | null {
  return db === null ? null : Math.min(db, PSNR_CAP_DB);
}

export const DAMAGE_LEFT_RADIUS = 2;

/**
 * True-damage pixels still visibly damaged in `restored` (see damage_left above), and how many true
 * pixels there were: per channel, box sums of the error and of the truth over the window, separably.
 */
export function damageLeftCounts(
  restored: Samples,
  clean: Samples,
  truth: Uint8Array,
  layout: FrameLayout,
  radius = DAMAGE_LEFT_RADIUS,
): { left: number; total: number } {
  const { width: w, height: h, channels: C } = layout;
  const limit = DAMAGE_LEFT_THRESHOLD * maxSampleValue(layout.bits);
  const inTruth = new Float32Array(w * h);
  let total = 0;
  for (let p = 0; p < truth.length; p++) {
    if (truth[p] !== 0) {
      inTruth[p] = 1;
      total++;
    }
  }
  if (total === 0) return { left: 0, total: 0 };
  const count = boxSum(inTruth, w, h, radius);
  const left = new Uint8Array(w * h);
  const err = new Float32Array(w * h);
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < err.length; p++) err[p] = truth[p] !== 0 ? restored[p * C + c]! - clean[p * C + c]! : 0;
    const sum = boxSum(err, w, h, radius);
    for (let p = 0; p < err.length; p++) if (truth[p] !== 0 && Math.abs(sum[p]!) > limit * count[p]!) left[p] = 1;
  }
  let n = 0;
  for (let p = 0; p < left.length; p++) n += left[p]!;
  return { left: n, total };
}

/** Sum over the (2r+1)² window around each pixel, clipped at the borders. */
function boxSum(src: Float32Array, w: number, h: number, r: number): Float32Array {
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = Math.max(0, x - r), e = Math.min(w - 1, x + r); k <= e; k++) s += src[y * w + k]!;
      rows[y * w + x] = s;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = Math.max(0, y - r), e = Math.min(h - 1, y + r); k <= e; k++) s += rows[k * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

/** True-damage pixels off the clean truth by more than DAMAGE_LEFT_THRESHOLD in any channel, each pixel alone. */
export function damageLeftPixelCounts(
  restored: Samples,
  clean: Samples,
  truth: Uint8Array,
  channels: number,
  peak: number,
): { left: number; total: number } {
  const limit = DAMAGE_LEFT_THRESHOLD * peak;
  let left = 0;
  let total = 0;
  for (let p = 0; p < truth.length; p++) {
    if (truth[p] === 0) continue;
    total++;
    for (let c = 0; c < channels; c++) {
      if (Math.abs(restored[p * channels + c]! - clean[p * channels + c]!) > limit) {
        left++;
        break;
      }
    }
  }
  return { left, total };
}

/** Pixels outside `mask` (all pixels when null) and how many of them are bit-identical to `input`. */
export function untouchedCounts(
  restored: Samples,
  input: Samples,
  mask: Uint8Array | null,
  channels: number,
): { same: number; total: number } {
  let same = 0;
  let total = 0;
  const pixels = restored.length / channels;
  for (let p = 0; p < pixels; p++) {
    if (mask !== null && mask[p] !== 0) continue;
    total++;
    let eq = true;
    for (let c = 0; c < channels; c++) if (restored[p * channels + c] !== input[p * channels + c]) eq = false;
    if (eq) same++;
  }
  return { same, total };
}

export interface Moments {
  sum: number;
  sumSq: number;
  n: number;
}

export function emptyMoments(): Moments {
  return { sum: 0, sumSq: 0, n: 0 };
}

/** Adds the high-pass residuals (sample − 3x3 box mean, times `scale`) at the selected pixels to `into`. */
export function addHighpass(img: Samples, layout: FrameLayout, select: Uint8Array, into: Moments, scale = 1): Moments {
  const { width: w, height: h, channels: C } = layout;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (select[p] === 0) continue;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
            s += img[(yy * w + xx) * C + c]!;
          }
        }
        const r = (img[p * C + c]! - s / 9) * scale;
        into.sum += r;
        into.sumSq += r * r;
        into.n++;
      }
    }
  }
  return into;
}

export function stdOf(m: Moments): number | null {
  if (m.n === 0) return null;
  const mean = m.sum / m.n;
  return Math.sqrt(Math.max(0, m.sumSq / m.n - mean * mean));
}

export interface FlickerSums {
  /** Σ |ΔR − ΔC| and Σ |ΔR|, Σ |ΔC| in sample units times the `scale` given, over `n` samples. */
  excess: number;
  restored: number;
  truth: number;
  n: number;
}

export function emptyFlicker(): FlickerSums {
  return { excess: 0, restored: 0, truth: 0, n: 0 };
}

/** Adds the frame pair (t−1, t) over pixels in either true mask. */
export function addFlicker(
  prevRestored: Samples,
  restored: Samples,
  prevClean: Samples,
  clean: Samples,
  prevTruth: Uint8Array,
  truth: Uint8Array,
  channels: number,
  into: FlickerSums,
  scale = 1,
): FlickerSums {
  for (let p = 0; p < truth.length; p++) {
    if (truth[p] === 0 && prevTruth[p] === 0) continue;
    for (let c = 0; c < channels; c++) {
      const i = p * channels + c;
      const dr = restored[i]! - prevRestored[i]!;
      const dc = clean[i]! - prevClean[i]!;
      into.excess += Math.abs(dr - dc) * scale;
      into.restored += Math.abs(dr) * scale;
      into.truth += Math.abs(dc) * scale;
      into.n++;
    }
  }
  return into;
}

export interface RestorationScores {
  masked_psnr: number | null;
  masked_psnr_moving: number | null;
  full_psnr: number | null;
  damage_left: number | null;
  damage_left_pixel: number | null;
  untouched_exact: number | null;
  clean_kept_exact: number | null;
  far_kept_exact: number | null;
  grain_ratio: number | null;
  flicker: number | null;
  flicker_ratio: number | null;
}

export interface ScoredFrame {
  /** What the method was given (the damaged frame). */
  input: Samples;
  restored: Samples;
  clean: Samples;
  /** True damage, 255 = damage. */
  truth: Uint8Array;
  /** Pixels the method says it repainted; null for whole-frame filters. */
  repaint: Uint8Array | null;
  /** Pixels on things that move on their own (the generator's actors); absent when unknown. */
  moving?: Uint8Array | null;
}

/**
 * Accumulates every restoration score over a set. Sequences may differ in bit depth, so everything is
 * summed in units of the sample range ([0,1]). Call `beginSequence` before each sequence's first frame
 * (flicker pairs never span two sequences), then `add` each frame in order.
 */
export class RestorationScorer {
  private masked: SquaredError = { sse: 0, n: 0 };
  private maskedMoving: SquaredError = { sse: 0, n: 0 };
  private full: SquaredError = { sse: 0, n: 0 };
  private left = { left: 0, total: 0 };
  private leftPixel = { left: 0, total: 0 };
  private untouched = { same: 0, total: 0 };
  private kept = { same: 0, total: 0 };
  private far = { same: 0, total: 0 };
  private grainRestored = emptyMoments();
  private grainClean = emptyMoments();
  private flicker = emptyFlicker();
  private prev: ScoredFrame | null = null;

  hasFrames(): boolean {
    return this.full.n > 0;
  }

  beginSequence(): void {
    this.prev = null;
  }

  add(f: ScoredFrame, layout: FrameLayout): void {
    const C = layout.channels;
    const peak = maxSampleValue(layout.bits);
    const unit = 1 / peak;
    accumulate(this.masked, squaredError(f.restored, f.clean, C, f.truth), unit * unit);
    if (f.moving) {
      const onMoving = new Uint8Array(f.truth.length);
      for (let i = 0; i < onMoving.length; i++) onMoving[i] = f.truth[i] !== 0 && f.moving[i] !== 0 ? 255 : 0;
      accumulate(this.maskedMoving, squaredError(f.restored, f.clean, C, onMoving), unit * unit);
    }
    accumulate(this.full, squaredError(f.restored, f.clean, C, null), unit * unit);
    addCounts(this.left, damageLeftCounts(f.restored, f.clean, f.truth, layout));
    addCounts(this.leftPixel, damageLeftPixelCounts(f.restored, f.clean, f.truth, C, peak));
    const u = untouchedCounts(f.restored, f.input, f.repaint, C);
    this.untouched.same += u.same;
    this.untouched.total += u.total;
    const k = untouchedCounts(f.restored, f.input, f.truth, C);
    this.kept.same += k.same;
    this.kept.total += k.total;
    const f12 = untouchedCounts(f.restored, f.input, dilateMask(f.truth, layout.width, layout.height, FAR_RADIUS, 'disc'), C);
    this.far.same += f12.same;
    this.far.total += f12.total;
    addHighpass(f.restored, layout, f.truth, this.grainRestored, unit);
    addHighpass(f.clean, layout, f.truth, this.grainClean, unit);
    if (this.prev !== null) {
      addFlicker(this.prev.restored, f.restored, this.prev.clean, f.clean, this.prev.truth, f.truth, C, this.flicker, unit);
    }
    this.prev = f;
  }

  scores(): RestorationScores {
    const gr = stdOf(this.grainRestored);
    const gc = stdOf(this.grainClean);
    const fl = this.flicker;
    return {
      masked_psnr: reportPsnr(psnrFrom(this.masked, 1)),
      masked_psnr_moving: reportPsnr(psnrFrom(this.maskedMoving, 1)),
      full_psnr: reportPsnr(psnrFrom(this.full, 1)),
      damage_left: this.left.total === 0 ? null : this.left.left / this.left.total,
      damage_left_pixel: this.leftPixel.total === 0 ? null : this.leftPixel.left / this.leftPixel.total,
      untouched_exact: this.untouched.total === 0 ? null : this.untouched.same / this.untouched.total,
      clean_kept_exact: this.kept.total === 0 ? null : this.kept.same / this.kept.total,
      far_kept_exact: this.far.total === 0 ? null : this.far.same / this.far.total,
      grain_ratio: gr === null || gc === null || gc === 0 ? null : gr / gc,
      flicker: fl.n === 0 ? null : (fl.excess / fl.n) * 255,
      flicker_ratio: fl.truth === 0 ? null : fl.restored / fl.truth,
    };
  }
}

function addCounts(into: { left: number; total: number }, c: { left: number; total: number }): void {
  into.left += c.left;
  into.total += c.total;
}

function accumulate(into: SquaredError, e: SquaredError, scale: number): void {
  into.sse += e.sse * scale;
  into.n += e.n;
}
