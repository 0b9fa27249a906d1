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
import { estimateMotion, globalShift, fieldSampler, vectorAt, type FieldSampler, type MotionField } from './motion.js';

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
/** Typical (median) brightness difference between two frames past which motion is estimated on exposure-matched planes. */
const FLICKER_MATCH = 0.005;
/** How far (small-plane pixels) the search for a further neighbour's shift strays from the nearest one's, scaled. */
const SPEED_SLACK = 2;
/** Blocks whose vector lies within this (small-plane pixels) of the frame's shift refine it. */
const SHIFT_AGREE = 1;

export interface AlignedNeighbour {
  /** Frames from the centre: -2, -1, +1, +2. */
  offset: number;
  /** The neighbour's own luma, full resolution. */
  luma: Float32Array;
  /** The camera's motion from the centre to this neighbour, estimated on frames downscaled by `scale`. */
  sampler: FieldSampler;
  scale: number;
  /**
   * The camera's move for the whole frame (full-resolution pixels): the one shift that aligns the frames
   * best, to a fraction of a pixel where the field's blocks agree with it.
   */
  shift: [number, number];
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
 * `lumas`: the window, centre in the middle, null where the shot has no frame (not mirrored). `small`, when
 * given, holds each slot's shrink() made beforehand (luma-levels.ts), so a frame is not halved again in
 * every window it sits in.
 */
export function alignWindow(
  lumas: readonly (Float32Array | null)[],
  w: number,
  h: number,
  opts: { repeatMad?: number; small?: readonly (ShrunkLuma | null)[] } = {},
): WindowAlignment {
  const c = lumas.length >> 1;
  const centre = lumas[c];
  if (!centre || lumas.length % 2 === 0) throw new Error('alignWindow: the window needs an odd length and a centre frame');
  const repeatMad = opts.repeatMad ?? REPEAT_MAD;
  const picked: { offset: number; luma: Float32Array; small: ShrunkLuma | null }[] = [];
  const repeats: number[] = [];
  for (let k = 1; k <= c; k++) {
    for (const offset of [-k, k]) {
      const f = lumas[c + offset];
      if (!f || f === centre) continue;
      if (isRepeat(centre, f, repeatMad)) repeats.push(offset);
      else picked.push({ offset, luma: f, small: opts.small?.[c + offset] ?? null });
    }
  }
  const small = picked.length > 0 ? (opts.small?.[c] ?? shrink(centre, w, h)) : null;
  // The camera's speed (per frame, small-plane pixels), from the nearest neighbour.
  let speed: [number, number] | null = null;
  const aligned = picked.map(({ offset, luma, small: given }) => {
    const other = given ?? shrink(luma, w, h);
    // Two frames away the camera has moved twice as far: up to 12 px a frame at 1K (fast pans and weave).
    const range = Math.ceil((12 * Math.abs(offset) * w) / 1024 / small!.scale) + 2;
    const matched = exposureMatched(small!.luma, other.luma);
    // The nearest neighbour's move, scaled to this one's distance, narrows the search to a few pixels.
    const around: [number, number] = speed ? [Math.round(speed[0] * offset), Math.round(speed[1] * offset)] : [0, 0];
    const global = globalShift(small!.luma, matched, small!.w, small!.h, speed ? SPEED_SLACK : range, around);
    speed ??= [global[0] / offset, global[1] / offset];
    const field = estimateMotion(small!.luma, matched, small!.w, small!.h, { range });
    const sampler = fieldSampler(field, small!.w, small!.h);
    const shift = cameraShift(field, global, small!.scale);
    const n: AlignedNeighbour = { offset, luma, sampler, scale: small!.scale, shift, offsetLuma: 0, noise: 0 };
    const { offset: off, noise } = brightnessAndNoise(centre, n, w, h);
    n.offsetLuma = off;
    n.noise = noise;
    return n;
  });
  const neighbours = aligned.filter((n) => n.noise <= JUMP_NOISE);
  const jumps = aligned.filter((n) => n.noise > JUMP_NOISE).map((n) => n.offset);
  return { width: w, height: h, centre, neighbours, repeats, jumps };
}

/**
 * The window with one more witness from beyond its end (`further`: the frames `half` + 1 before and after
 * the centre, null outside the shot), taken only where the window leaves the centre a single film frame to
 * compare with: at a shot's first or last frames, where the neighbours on the one side are one film frame
 * scanned twice (a telecine repeat), or the centre's own twin was left out. The temporal gate's pair test
 * needs two film frames that agree with each other; with one, dust at a shot's ends was judged on the
 * network's word or left in.
 */
export function withFurtherWitness(al: WindowAlignment, further: readonly [Float32Array | null, Float32Array | null], half: number): WindowAlignment {
  const { neighbours, centre, width: w, height: h } = al;
  if (neighbours.length === 0) return al;
  // Only on the side that holds the witnesses: the other is past the shot's end (or a jump). Asked first:
  // it settles every mid-shot frame without comparing frames.
  const side = Math.sign(neighbours[0]!.offset);
  if (neighbours.some((n) => Math.sign(n.offset) !== side) || distinctFilmFrames(neighbours) >= 2) return al;
  const beyond = further[side < 0 ? 0 : 1];
  if (!beyond || neighbours.some((n) => isRepeat(n.luma, beyond))) return al;
  const offset = side * (half + 1);
  const slots: (Float32Array | null)[] = new Array(2 * Math.abs(offset) + 1).fill(null);
  slots[Math.abs(offset)] = centre;
  slots[Math.abs(offset) + offset] = beyond;
  const extra = alignWindow(slots, w, h);
  return extra.neighbours.length ? { ...al, neighbours: [...neighbours, ...extra.neighbours] } : al;
}

/** The frames one past the ends of the window of `half` around frame t of a shot's `frames`: withFurtherWitness's `further`. */
export function framesPast(frames: readonly Float32Array[], t: number, half: number): [Float32Array | null, Float32Array | null] {
  return [frames[t - half - 1] ?? null, frames[t + half + 1] ?? null];
}

/** How many film frames the neighbours show: a telecine repeat's two scans are one. */
function distinctFilmFrames(neighbours: readonly AlignedNeighbour[]): number {
  let n = 0;
  for (const [i, a] of neighbours.entries()) if (!neighbours.slice(0, i).some((b) => isRepeat(a.luma, b.luma))) n++;
  return n;
}

/**
 * `other` brought to `ref`'s brightness when the two differ by more than FLICKER_MATCH (a copy; the
 * stored plane is shared), else `other` itself. Block matching compares absolute differences: a frame a
 * few percent brighter (flicker, in almost every old film) made a flat or soft picture match anywhere,
 * and the frame's dominant vector then went to tens of pixels on a pan of eight.
 */
function exposureMatched(ref: Float32Array, other: Float32Array): Float32Array {
  // The median, not the mean: a flickering border, a blotch or a passing figure must not set it.
  const step = 3;
  const d = new Float64Array(Math.ceil(ref.length / step));
  for (let i = 0, k = 0; i < ref.length; i += step, k++) d[k] = ref[i]! - other[i]!;
  const diff = d.length ? median(d) : 0;
  if (Math.abs(diff) <= FLICKER_MATCH) return other;
  const out = new Float32Array(other.length);
  for (let i = 0; i < other.length; i++) out[i] = other[i]! + diff;
  return out;
}

/**
 * The frame's shift (`global`, whole small-plane pixels) to the fraction of a pixel that the field's blocks
 * within SHIFT_AGREE of it give (their median), in full-resolution pixels; `global` itself where too few agree
 * (a frame full of things moving on their own).
 */
function cameraShift(field: MotionField, global: readonly [number, number], scale: number): [number, number] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < field.vx.length; i++) {
    if (Math.abs(field.vx[i]! - global[0]) <= SHIFT_AGREE && Math.abs(field.vy[i]! - global[1]) <= SHIFT_AGREE) {
      xs.push(field.vx[i]!);
      ys.push(field.vy[i]!);
    }
  }
  if (xs.length < field.vx.length / 4) return [global[0] * scale, global[1] * scale];
  return [median(Float64Array.from(xs)) * scale, median(Float64Array.from(ys)) * scale];
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
 * usable neighbour takes the mirrored slot (t-k for t+k), failing that the nearest usable neighbour, and
 * only with none the centre; a pixel whose aligned source leaves the frame takes the centre's value there.
 * (Before 2026-12-04 the centre came before the nearest neighbour, as in the raw window (windowSources):
 * beside a telecine repeat at a shot's end that put the centre in three of five slots, its damage shown
 * as held by its neighbours, and the network missed a blotch there.)
 * Writes `slots` planes of tw*th into `out` from `at`.
 */
export function readAlignedTile(al: WindowAlignment, half: number, x0: number, y0: number, tw: number, th: number, out: Float32Array, at: number): void {
  const { width: w, height: h, centre } = al;
  const bySlot = new Map(al.neighbours.map((n) => [n.offset, n]));
  const plane = tw * th;
  for (let k = -half; k <= half; k++) {
    const base = at + (k + half) * plane;
    const n = k === 0 ? null : (bySlot.get(k) ?? bySlot.get(-k) ?? al.neighbours[0] ?? null);
    if (!n) {
      for (let y = 0; y < th; y++) out.set(centre.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + tw), base + y * tw);
      continue;
    }
    // The camera's vector is constant over each scale x scale cell of the motion grid (cameraVector):
    // one per cell of a row of cells, not one per pixel, and each cell's pixels of a row read one row of
    // the neighbour.
    const { scale, luma, offsetLuma } = n;
    const c0 = Math.floor(x0 / scale);
    const cells = Math.floor((x0 + tw - 1) / scale) - c0 + 1;
    const cvx = new Float64Array(cells);
    const cvy = new Float64Array(cells);
    let cellRow = -1;
    for (let y = 0; y < th; y++) {
      const gy = y0 + y;
      if (Math.floor(gy / scale) !== cellRow) {
        cellRow = Math.floor(gy / scale);
        cellVectors(n, c0, gy, cvx, cvy);
      }
      const o = base + y * tw - x0;
      const crow = gy * w;
      for (let c = 0; c < cells; c++) {
        const xa = Math.max(x0, (c0 + c) * scale);
        const xb = Math.min(x0 + tw, (c0 + c + 1) * scale);
        const vx = cvx[c]!;
        const sy = Math.round(gy + cvy[c]!);
        if (sy < 0 || sy >= h) {
          for (let gx = xa; gx < xb; gx++) out[o + gx] = centre[crow + gx]!;
          continue;
        }
        const srow = sy * w;
        const first = xa + vx;
        const last = xb - 1 + vx;
        if (first >= 1 && last < 0x40000000 && (Math.floor(first) ^ Math.floor(last)) < Math.floor(first)) {
          // gx + vx for every pixel of the run lies in one binade (whole parts of one bit length), where
          // adding whole numbers is exact: Math.round(gx + vx) is Math.round(first) + (gx - xa), the same
          // value the per-pixel rounding below gives, at a fraction of its cost.
          const shift = Math.round(first) - xa;
          const inA = Math.max(xa, -shift);
          const inB = Math.min(xb, w - shift);
          for (let gx = xa; gx < Math.min(inA, xb); gx++) out[o + gx] = centre[crow + gx]!;
          for (let gx = inA; gx < inB; gx++) out[o + gx] = luma[srow + shift + gx]! + offsetLuma;
          for (let gx = Math.max(inB, xa); gx < xb; gx++) out[o + gx] = centre[crow + gx]!;
          continue;
        }
        for (let gx = xa; gx < xb; gx++) {
          const sx = Math.round(gx + vx);
          out[o + gx] = sx >= 0 && sx < w ? luma[srow + sx]! + offsetLuma : centre[crow + gx]!;
        }
      }
    }
  }
}

/**
 * cameraVector at (c0 + c) * scale, gy for c = 0..cvx.length-1, its arithmetic inlined (same operations,
 * same values): a tile needs one per motion-grid cell of every fourth row, and the calls cost a third of
 * its time.
 */
function cellVectors(n: AlignedNeighbour, c0: number, gy: number, cvx: Float64Array, cvy: Float64Array): void {
  const s = n.sampler;
  const { vx, vy, bw } = s.field;
  const y = Math.min(s.height - 1, Math.floor(gy / n.scale));
  const r0 = s.by0[y]! * bw;
  const r1 = s.by1[y]! * bw;
  const ty = s.wy[y]!;
  for (let c = 0; c < cvx.length; c++) {
    const x = Math.min(s.width - 1, c0 + c);
    const b0 = s.bx0[x]!;
    const b1 = s.bx1[x]!;
    const tx = s.wx[x]!;
    const a = (1 - tx) * (1 - ty);
    const b = tx * (1 - ty);
    const cc = (1 - tx) * ty;
    const d = tx * ty;
    cvx[c] = (a * vx[r0 + b0]! + b * vx[r0 + b1]! + cc * vx[r1 + b0]! + d * vx[r1 + b1]!) * n.scale;
    cvy[c] = (a * vy[r0 + b0]! + b * vy[r0 + b1]! + cc * vy[r1 + b0]! + d * vy[r1 + b1]!) * n.scale;
  }
}

/** A luma plane halved for motion estimation; `scale` full-resolution pixels per pixel. */
export interface ShrunkLuma {
  luma: Float32Array;
  w: number;
  h: number;
  scale: number;
}

/** The size shrink() halves a w x h plane to. */
export function shrunkSize(w: number, h: number): { w: number; h: number; scale: number } {
  let cur = { w, h, scale: 1 };
  while (cur.w > MOTION_WIDTH && cur.h >= 32) cur = { w: Math.max(1, cur.w >> 1), h: Math.max(1, cur.h >> 1), scale: cur.scale * 2 };
  return cur;
}

/**
 * Halves until at most MOTION_WIDTH wide. `half`, when given, is downscale2 of the plane, already made
 * (at 2K the cascade's test plane is exactly that). The last halving is written into `out` when given.
 */
export function shrink(luma: Float32Array, w: number, h: number, half: Float32Array | null = null, out?: Float32Array): ShrunkLuma {
  const last = shrunkSize(w, h).scale;
  let cur: ShrunkLuma = { luma, w, h, scale: 1 };
  while (cur.w > MOTION_WIDTH && cur.h >= 32) {
    const d =
      cur.scale === 1 && half
        ? { data: half, width: Math.max(1, w >> 1), height: Math.max(1, h >> 1) }
        : downscale2(cur.luma, cur.w, cur.h, cur.scale * 2 === last ? out : undefined);
    cur = { luma: d.data, w: d.width, h: d.height, scale: cur.scale * 2 };
  }
  return cur;
}

/**
 * Whether the mean absolute difference over every third pixel is below `mad`. The terms are never negative,
 * so once their running sum passes what the whole frame may add up to, the answer is no: a neighbour that
 * is no repeat (grain alone differs by several times `mad`) is told after a fraction of the reads. The
 * margin over mad * n covers the rounding of that product and of the final division.
 */
export function isRepeat(a: Float32Array, b: Float32Array, mad = REPEAT_MAD): boolean {
  const step = 3;
  const n = Math.ceil(a.length / step);
  if (n === 0) return 0 < mad;
  const stop = mad * n * (1 + 1e-9);
  let sum = 0;
  for (let i = 0; i < a.length; i += step) {
    sum += Math.abs(a[i]! - b[i]!);
    if (sum > stop) return false;
  }
  return sum / n < mad;
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

/**
 * Median of `a`, reordering it in place. By selection, not sorting: the temporal gate takes several medians
 * per region and witness, and sorting them cost it a tenth of its time. The value is the sorted middle's
 * (the mean of the two middle values for an even length); an array holding NaN is sorted, as before.
 */
export function median(a: Float64Array): number {
  const n = a.length;
  const m = n >> 1;
  let nan = false;
  for (let i = 0; i < n; i++) if (Number.isNaN(a[i])) nan = true;
  if (nan || n === 0) {
    a.sort();
    return n & 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  }
  const upper = select(a, m);
  if (n & 1) return upper;
  // After selecting rank m, ranks below it are the first m values, in any order: the largest is rank m - 1.
  let lower = a[0]!;
  for (let i = 1; i < m; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** The value of rank k (0-based) of `a` (no NaN), leaving every smaller rank before index k. Hoare's quickselect. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot: sorted or constant input stays linear.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
