/**
 * The detector's window, motion-compensated: every neighbour of the centre frame aligned onto it by block
 * matching (at about 640 px width, enough to follow the camera and cheap at 2K and 4K), with its global
 * brightness matched. The segmenter's network reads these aligned planes instead of the raw frames, so a
 * pan or a weave never looks like damage to it, and the temporal gate reads the same alignment. Training
 * (training/segmentation/make-train-set.ts) writes its inputs with this file too, so the two never drift.
 *
 * A neighbour identical to the centre (a telecine repeat or a double scan) would confirm its damage, and
 * one that shows another picture (a jump) witnesses nothing: both are left out, like a neighbour past the
 * end of the shot. With none left the detector judges the frame by itself, and conservatively.
 */
import { downscale2 } from './luma.js';
import { estimateMotion, fieldSampler, vectorAt, type FieldSampler } from './motion.js';

/** A neighbour whose mean absolute difference to the centre is below this is a repeat of it. */
export const REPEAT_MAD = 0.004;
/**
 * A neighbour whose typical difference to the centre, once aligned, is above this shows another picture
 * (a jump, a gap in the numbering, a missed cut, action too fast to follow): no witness. Heavy grain
 * leaves about 0.03.
 */
export const JUMP_NOISE = 0.07;
/** Frames are halved until at most this wide for motion estimation. */
const MOTION_WIDTH = 640;

export interface AlignedNeighbour {
  /** Frames from the centre: -2, -1, +1, +2. */
  offset: number;
  /** The neighbour's own luma, full resolution. */
  luma: Float32Array;
  /** The camera's motion from the centre to this neighbour, estimated on frames downscaled by `scale`. */
  sampler: FieldSampler;
  scale: number;
  /** Added to the neighbour's values to match the centre's global brightness (flicker). */
  offsetLuma: number;
  /** Median per-pixel difference between the centre and the aligned neighbour: grain and alignment error. */
  noise: number;
}

export interface WindowAlignment {
  width: number;
  height: number;
  centre: Float32Array;
  /** The usable neighbours, nearest first (for equal distance, the earlier frame first). */
  neighbours: AlignedNeighbour[];
  /** Offsets left out as repeats of the centre. */
  repeats: number[];
  /** Offsets left out because they show another picture. */
  jumps: number[];
}

/**
 * `lumas`: the window, centre in the middle, null where the shot has no frame (not mirrored).
 */
export function alignWindow(lumas: readonly (Float32Array | null)[], w: number, h: number, opts: { repeatMad?: number } = {}): WindowAlignment {
  const c = lumas.length >> 1;
  const centre = lumas[c];
  if (!centre || lumas.length % 2 === 0) throw new Error('alignWindow: the window needs an odd length and a centre frame');
  const repeatMad = opts.repeatMad ?? REPEAT_MAD;
  const picked: { offset: number; luma: Float32Array }[] = [];
  const repeats: number[] = [];
  for (let k = 1; k <= c; k++) {
    for (const offset of [-k, k]) {
      const f = lumas[c + offset];
      if (!f || f === centre) continue;
      if (meanAbsDiff(centre, f, 3) < repeatMad) repeats.push(offset);
      else picked.push({ offset, luma: f });
    }
  }
  const small = picked.length > 0 ? shrink(centre, w, h) : null;
  const aligned = picked.map(({ offset, luma }) => {
    const other = shrink(luma, w, h);
    // Two frames away the camera has moved twice as far: up to 12 px a frame at 1K (fast pans and weave).
    const range = Math.ceil((12 * Math.abs(offset) * w) / 1024 / small!.scale) + 2;
    const field = estimateMotion(small!.luma, other.luma, small!.w, small!.h, { range });
    const sampler = fieldSampler(field, small!.w, small!.h);
    const n: AlignedNeighbour = { offset, luma, sampler, scale: small!.scale, offsetLuma: 0, noise: 0 };
    const { offset: off, noise } = brightnessAndNoise(centre, n, w, h);
    n.offsetLuma = off;
    n.noise = noise;
    return n;
  });
  const neighbours = aligned.filter((n) => n.noise <= JUMP_NOISE);
  const jumps = aligned.filter((n) => n.noise > JUMP_NOISE).map((n) => n.offset);
  return { width: w, height: h, centre, neighbours, repeats, jumps };
}

/** The camera's vector at a full-resolution pixel, in full-resolution pixels, written into `v`. */
export function cameraVector(n: AlignedNeighbour, x: number, y: number, v: Float64Array): void {
  const s = n.sampler;
  vectorAt(s, Math.min(s.width - 1, Math.floor(x / n.scale)), Math.min(s.height - 1, Math.floor(y / n.scale)), v);
  v[0] = v[0]! * n.scale;
  v[1] = v[1]! * n.scale;
}

/**
 * The network's input planes for a rectangle: per window slot (-half..half), the aligned neighbour's
 * values (nearest sampling keeps their grain, brightness matched), the centre for slot 0. A slot with no
 * usable neighbour takes the mirrored slot (t-k for t+k) and, failing that, the centre, as the raw window
 * did (windowSources); a pixel whose aligned source leaves the frame takes the centre's value there.
 * Writes `slots` planes of tw*th into `out` from `at`.
 */
export function readAlignedTile(al: WindowAlignment, half: number, x0: number, y0: number, tw: number, th: number, out: Float32Array, at: number): void {
  const { width: w, height: h, centre } = al;
  const bySlot = new Map(al.neighbours.map((n) => [n.offset, n]));
  const v = new Float64Array(2);
  const plane = tw * th;
  for (let k = -half; k <= half; k++) {
    const base = at + (k + half) * plane;
    const n = k === 0 ? null : (bySlot.get(k) ?? bySlot.get(-k) ?? null);
    if (!n) {
      for (let y = 0; y < th; y++) out.set(centre.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + tw), base + y * tw);
      continue;
    }
    // The camera's vector is constant over each scale x scale cell of the motion grid (cameraVector):
    // one per cell of a row of cells, not one per pixel.
    const { scale } = n;
    const c0 = Math.floor(x0 / scale);
    const cells = Math.floor((x0 + tw - 1) / scale) - c0 + 1;
    const cvx = new Float64Array(cells);
    const cvy = new Float64Array(cells);
    let cellRow = -1;
    for (let y = 0; y < th; y++) {
      const gy = y0 + y;
      if (Math.floor(gy / scale) !== cellRow) {
        cellRow = Math.floor(gy / scale);
        for (let c = 0; c < cells; c++) {
          cameraVector(n, (c0 + c) * scale, gy, v);
          cvx[c] = v[0]!;
          cvy[c] = v[1]!;
        }
      }
      for (let x = 0; x < tw; x++) {
        const gx = x0 + x;
        const c = Math.floor(gx / scale) - c0;
        const sx = Math.round(gx + cvx[c]!);
        const sy = Math.round(gy + cvy[c]!);
        out[base + y * tw + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? n.luma[sy * w + sx]! + n.offsetLuma : centre[gy * w + gx]!;
      }
    }
  }
}

/** Halves until at most MOTION_WIDTH wide. */
export function shrink(luma: Float32Array, w: number, h: number): { luma: Float32Array; w: number; h: number; scale: number } {
  let cur = { luma, w, h, scale: 1 };
  while (cur.w > MOTION_WIDTH && cur.h >= 32) {
    const d = downscale2(cur.luma, cur.w, cur.h);
    cur = { luma: d.data, w: d.width, h: d.height, scale: cur.scale * 2 };
  }
  return cur;
}

/** Mean absolute difference over every `step`-th pixel. */
function meanAbsDiff(a: Float32Array, b: Float32Array, step: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += step) {
    sum += Math.abs(a[i]! - b[i]!);
    n++;
  }
  return n ? sum / n : 0;
}

/**
 * Over a sparse grid of aligned pixels: the median of centre - neighbour (the global brightness offset:
 * robust to damage and to things moving on their own) and the median absolute difference left after it.
 */
function brightnessAndNoise(centre: Float32Array, n: AlignedNeighbour, w: number, h: number): { offset: number; noise: number } {
  const v = new Float64Array(2);
  const diffs: number[] = [];
  const step = Math.max(3, Math.round(Math.sqrt((w * h) / 4000)));
  for (let y = step >> 1; y < h; y += step) {
    for (let x = step >> 1; x < w; x += step) {
      cameraVector(n, x, y, v);
      const sx = Math.round(x + v[0]!);
      const sy = Math.round(y + v[1]!);
      if (sx >= 0 && sx < w && sy >= 0 && sy < h) diffs.push(centre[y * w + x]! - n.luma[sy * w + sx]!);
    }
  }
  if (diffs.length === 0) return { offset: 0, noise: 0.012 };
  const offset = median(Float64Array.from(diffs));
  return { offset, noise: median(Float64Array.from(diffs, (d) => Math.abs(d - offset))) };
}

/** Median of `a`, sorting it in place. */
export function median(a: Float64Array): number {
  a.sort();
  const m = a.length >> 1;
  return a.length & 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}
