/**
 * Temporal spikes: a no-reference proxy for one-frame damage (dust, dirt, sparkle) on real footage. A pixel
 * spikes when it departs from BOTH neighbours (t−1, t+1) in the same direction while the neighbours agree
 * with each other: film content persists across frames, a speck of dust does not. Counting them before
 * and after restoration shows how much one-frame damage the pipeline removed, without ground truth.
 *
 * Only a global integer translation (camera shake, gate weave) and a global brightness change (flicker)
 * are compensated, so local motion can still count as spikes (and the thresholds are deliberately coarse):
 * the figure is for comparing the same clip before and after, not an absolute damage count.
 */
import { downscale2 } from '@reelrestore/shared/restore/luma';

/** Luma (0..1) by which the centre must depart from both neighbours. */
export const SPIKE_DEPART = 0.1;
/** Luma (0..1) within which the two neighbours must agree. */
export const NEIGHBOUR_AGREE = 0.05;
/** Largest global translation searched, in full-resolution pixels. */
export const MAX_SHIFT = 8;

/** How a neighbour lines up with the centre: centre(x, y) ≈ neighbour(x + dx, y + dy) + offset. */
export interface Alignment {
  dx: number;
  dy: number;
  offset: number;
}

/** Both neighbours' alignments for one centre frame. */
export interface FrameAlignment {
  prev: Alignment;
  next: Alignment;
}

export interface SpikeCounts {
  /** Per frame; null for the first and last frame (they lack a neighbour). */
  per_frame: (number | null)[];
  total: number;
  /** Per frame as estimated (or as given); null for the end frames. Pass these to count a restored clip on the same geometry. */
  alignments: (FrameAlignment | null)[];
}

function mean(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / Math.max(1, a.length);
}

/**
 * Mean |centre − (moving shifted by dx,dy) − offset| over an inner window that every searched shift
 * keeps inside the frame, so all candidates are scored on the same pixels.
 */
function shiftedMad(centre: Float32Array, moving: Float32Array, w: number, h: number, dx: number, dy: number, offset: number, margin: number): number {
  let s = 0;
  let n = 0;
  for (let y = margin; y < h - margin; y++) {
    const rc = y * w;
    const rm = (y + dy) * w + dx;
    for (let x = margin; x < w - margin; x++) {
      s += Math.abs(centre[rc + x]! - moving[rm + x]! - offset);
      n++;
    }
  }
  return n > 0 ? s / n : Infinity;
}

/** The (dx, dy) among the candidates with the lowest difference; ties keep the first (smallest shift first). */
function bestShift(centre: Float32Array, moving: Float32Array, w: number, h: number, candidates: [number, number][], offset: number, margin: number): [number, number] {
  let best: [number, number] = candidates[0]!;
  let bestErr = Infinity;
  for (const [dx, dy] of candidates) {
    const err = shiftedMad(centre, moving, w, h, dx, dy, offset, margin);
    if (err < bestErr) {
      bestErr = err;
      best = [dx, dy];
    }
  }
  return best;
}

function squareCandidates(cx: number, cy: number, r: number, limit: number): [number, number][] {
  const out: [number, number][] = [];
  for (let dy = cy - r; dy <= cy + r; dy++) for (let dx = cx - r; dx <= cx + r; dx++) if (Math.abs(dx) <= limit && Math.abs(dy) <= limit) out.push([dx, dy]);
  // Smallest shift first, so flat frames (every shift scores alike) stay at rest.
  return out.sort((a, b) => Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]));
}

/**
 * One global integer translation of `moving` against `centre`, within ±maxShift: an exhaustive search on
 * the 2x downscaled luma (a quarter of the work, and grain averages out), then ±1 at full resolution.
 * The brightness offset (difference of means) is removed first, so flicker does not pull the match.
 */
export function estimateAlignment(centre: Float32Array, moving: Float32Array, w: number, h: number, maxShift = MAX_SHIFT): Alignment {
  const offset = mean(centre) - mean(moving);
  const half = Math.max(1, maxShift >> 1);
  const c2 = downscale2(centre, w, h);
  const m2 = downscale2(moving, w, h);
  const coarseMargin = Math.min(half, (Math.min(c2.width, c2.height) - 1) >> 1);
  const coarse = bestShift(c2.data, m2.data, c2.width, c2.height, squareCandidates(0, 0, coarseMargin, coarseMargin), offset, coarseMargin);
  const fineLimit = Math.min(maxShift, (Math.min(w, h) - 1) >> 1);
  const [dx, dy] = bestShift(centre, moving, w, h, squareCandidates(coarse[0] * 2, coarse[1] * 2, 1, fineLimit), offset, fineLimit);
  return { dx, dy, offset };
}

/**
 * Spikes of one centre frame against its aligned neighbours. Pixels whose aligned position falls outside
 * either neighbour are not tested (they have no evidence either way).
 */
export function countFrameSpikes(prev: Float32Array, centre: Float32Array, next: Float32Array, w: number, h: number, a: FrameAlignment): number {
  const { prev: ap, next: an } = a;
  const x0 = Math.max(0, -ap.dx, -an.dx);
  const x1 = Math.min(w, w - ap.dx, w - an.dx);
  const y0 = Math.max(0, -ap.dy, -an.dy);
  const y1 = Math.min(h, h - ap.dy, h - an.dy);
  let count = 0;
  for (let y = y0; y < y1; y++) {
    const rp = (y + ap.dy) * w + ap.dx;
    const rn = (y + an.dy) * w + an.dx;
    const rc = y * w;
    for (let x = x0; x < x1; x++) {
      const p = prev[rp + x]! + ap.offset;
      const n = next[rn + x]! + an.offset;
      if (Math.abs(p - n) > NEIGHBOUR_AGREE) continue;
      const c = centre[rc + x]!;
      if ((c - p > SPIKE_DEPART && c - n > SPIKE_DEPART) || (p - c > SPIKE_DEPART && n - c > SPIKE_DEPART)) count++;
    }
  }
  return count;
}

/**
 * Spikes over a clip, on every frame that has both neighbours. Give `alignments` (from counting the input)
 * to count a restored clip on the same geometry: the restoration touches few pixels, and re-estimating
 * could only add noise to a before/after comparison.
 */
export function countSpikes(lumas: Float32Array[], w: number, h: number, alignments?: (FrameAlignment | null)[]): SpikeCounts {
  const per_frame: (number | null)[] = [];
  const used: (FrameAlignment | null)[] = [];
  let total = 0;
  for (let t = 0; t < lumas.length; t++) {
    const prev = lumas[t - 1];
    const next = lumas[t + 1];
    if (!prev || !next) {
      per_frame.push(null);
      used.push(null);
      continue;
    }
    const centre = lumas[t]!;
    const a = alignments?.[t] ?? { prev: estimateAlignment(centre, prev, w, h), next: estimateAlignment(centre, next, w, h) };
    const n = countFrameSpikes(prev, centre, next, w, h, a);
    per_frame.push(n);
    used.push(a);
    total += n;
  }
  return { per_frame, total, alignments: used };
}
