import type { FrameLayout, Samples } from '../frames/types.js';
import { allocFrame } from '../frames/types.js';
import { downscale2, downscaleMask2 } from './luma.js';

/**
 * A block motion field. For block (bx, by) the vector (vx, vy) says where its picture lies in the
 * other frame: ref(x, y) ≈ other(x + vx, y + vy). Vectors are in full-resolution pixels.
 */
export interface MotionField {
  /** Blocks across and down: ceil(width / block), ceil(height / block). */
  bw: number;
  bh: number;
  block: number;
  vx: Float32Array;
  vy: Float32Array;
}

export interface MotionOptions {
  /** Block size in full-resolution pixels (at least 8). */
  block?: number;
  /** Largest displacement searched, in full-resolution pixels. */
  range?: number;
  /**
   * Pyramid levels including full resolution (1 = exhaustive search at full resolution). Default:
   * deep enough that the coarsest level searches only ±2 of its pixels (4 levels for ±16).
   */
  levels?: number;
  /** Pixels of the reference left out of the match (its damage), non-zero = excluded. */
  refMask?: Uint8Array | null;
  /** Pixels of the other frame left out of the match (its damage), non-zero = excluded. */
  otherMask?: Uint8Array | null;
  /** Refine each vector to sub-pixel with a parabola through the costs around the best integer one. */
  subpixel?: boolean;
}

const DEFAULT_BLOCK = 16;
const DEFAULT_RANGE = 16;
/** Exhaustive search radius at the coarsest level; the pyramid depth is chosen to get there. */
const COARSE_RADIUS = 2;
/** Coarse levels match on at least this many pixels across, or grain decides the vector. */
const MIN_WINDOW = 8;
/** Coarsest level stays at least this big, or a block window covers the whole picture. */
const MIN_LEVEL_SIZE = 16;
/** Mean-abs-difference penalty per pixel of distance from the prediction: breaks ties in flat areas. */
const SMOOTHNESS = 2e-4;
/** How much worse (relative) the dominant vector may match a block and still be preferred. */
const PRIOR_MARGIN = 0.1;

/** A field of zero vectors: the identity alignment. */
export function zeroMotion(w: number, h: number, block = DEFAULT_BLOCK): MotionField {
  const bw = Math.max(1, Math.ceil(w / block));
  const bh = Math.max(1, Math.ceil(h / block));
  return { bw, bh, block, vx: new Float32Array(bw * bh), vy: new Float32Array(bw * bh) };
}

/** Pixel-index coordinate of a block's centre; the last block may be partial. */
function blockCentre(b: number, block: number, size: number): number {
  const start = b * block;
  const end = Math.min(size, start + block);
  return (start + end) / 2 - 0.5;
}

/** Summed-area table of a mask (counts of flagged pixels), to test a window for damage in O(1). */
function maskIntegral(mask: Uint8Array, w: number, h: number): Int32Array {
  const W = w + 1;
  const out = new Int32Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    const mi = y * w;
    const o = (y + 1) * W;
    for (let x = 0; x < w; x++) {
      row += mask[mi + x] !== 0 ? 1 : 0;
      out[o + x + 1] = out[o - W + x + 1]! + row;
    }
  }
  return out;
}

function rectCount(integral: Int32Array, w: number, x0: number, y0: number, rw: number, rh: number): number {
  const W = w + 1;
  const a = y0 * W + x0;
  const b = (y0 + rh) * W + x0;
  return integral[b + rw]! - integral[b]! - integral[a + rw]! + integral[a]!;
}

interface Level {
  ref: Float32Array;
  other: Float32Array;
  rmask: Uint8Array | null;
  omask: Uint8Array | null;
  w: number;
  h: number;
}

/** One level's matching setup: window size, row step and the mask tables. */
interface Matcher {
  lv: Level;
  rInt: Int32Array | null;
  oInt: Int32Array | null;
  win: number;
  winH: number;
  /** Rows compared: every `step`-th. Full-resolution blocks have pixels to spare, so every other row. */
  step: number;
}

/** Per-block state for the candidate loop, reused across blocks to avoid allocation. */
interface BlockState {
  x0: number;
  y0: number;
  refClean: boolean;
  /** Fewest compared pixels for a candidate to count; -1 when the block has too little clean picture. */
  minCount: number;
  /** Pixels compared on the fast path. */
  n: number;
}

function buildPyramid(
  ref: Float32Array,
  other: Float32Array,
  rmask: Uint8Array | null,
  omask: Uint8Array | null,
  w: number,
  h: number,
  levels: number,
): Level[] {
  const out: Level[] = [{ ref, other, rmask, omask, w, h }];
  for (let l = 1; l < levels; l++) {
    const p = out[l - 1]!;
    const r = downscale2(p.ref, p.w, p.h);
    const o = downscale2(p.other, p.w, p.h);
    out.push({
      ref: r.data,
      other: o.data,
      rmask: p.rmask ? downscaleMask2(p.rmask, p.w, p.h) : null,
      omask: p.omask ? downscaleMask2(p.omask, p.w, p.h) : null,
      w: r.width,
      h: r.height,
    });
  }
  return out;
}

/** Levels needed for an exhaustive ±COARSE_RADIUS search at the top to span ±range at the bottom. */
function levelsFor(range: number, w: number, h: number, requested: number | undefined): number {
  let levels = requested ?? 1 + Math.max(0, Math.ceil(Math.log2(Math.max(1, range) / COARSE_RADIUS)));
  levels = Math.max(1, Math.floor(levels));
  while (levels > 1 && Math.min(w, h) >> (levels - 1) < MIN_LEVEL_SIZE) levels--;
  return levels;
}

/**
 * Block matching, coarse to fine. The coarsest level searches exhaustively (±range scaled down); each
 * finer level only refines around twice the coarser vector, which makes ±16 px at 2K affordable.
 * Cost is the mean absolute difference over the block with both frames' damage left out, so a blotch
 * cannot drag its block's vector. Blocks that cannot tell candidates apart take the frame's dominant
 * vector, and outliers are rejected with a 3x3 vector median at every level.
 */
export function estimateMotion(
  ref: Float32Array,
  other: Float32Array,
  w: number,
  h: number,
  opts: MotionOptions = {},
): MotionField {
  const block = Math.max(MIN_WINDOW, Math.floor(opts.block ?? DEFAULT_BLOCK));
  const range = Math.max(0, Math.ceil(opts.range ?? DEFAULT_RANGE));
  const levels = levelsFor(range, w, h, opts.levels);
  const subpixel = opts.subpixel ?? true;

  const pyramid = buildPyramid(ref, other, opts.refMask ?? null, opts.otherMask ?? null, w, h, levels);
  const bs: BlockState = { x0: 0, y0: 0, refClean: true, minCount: 0, n: 0 };
  const best = { dx: 0, dy: 0, cost: 0 };
  let coarser: MotionField | null = null;

  for (let l = levels - 1; l >= 0; l--) {
    const lv = pyramid[l]!;
    const scale = 1 << l;
    // Coarse levels use bigger blocks (in full-resolution pixels) so their windows do not overlap:
    // a window is never smaller than MIN_WINDOW level pixels, and overlapping windows waste the search.
    const lblock = Math.max(block, MIN_WINDOW * scale);
    const f = zeroMotion(w, h, lblock);
    const win = Math.min(lv.w, Math.ceil(lblock / scale));
    const winH = Math.min(lv.h, Math.ceil(lblock / scale));
    const m: Matcher = {
      lv,
      rInt: lv.rmask ? maskIntegral(lv.rmask, lv.w, lv.h) : null,
      oInt: lv.omask ? maskIntegral(lv.omask, lv.w, lv.h) : null,
      win,
      winH,
      step: winH >= 16 ? 2 : 1,
    };
    const radius = coarser === null ? Math.ceil(range / scale) : 1;
    matchLevel(m, f, w, h, scale, coarser, radius, l === 0 && subpixel, bs, best);
    coarser = f;
  }
  return coarser!;
}

/**
 * One pyramid level: search every block around the prediction from the coarser field (or around zero
 * at the top), pull indecisive blocks to the dominant vector, optionally refine to sub-pixel, then
 * vector-median the result. Vectors in `f` are in this level's pixels (full resolution at level 0).
 */
function matchLevel(
  m: Matcher,
  f: MotionField,
  w: number,
  h: number,
  scale: number,
  coarser: MotionField | null,
  radius: number,
  subpixel: boolean,
  bs: BlockState,
  best: { dx: number; dy: number; cost: number },
): void {
  const { bw, bh, block: lblock } = f;
  const nb = bw * bh;
  const lv = m.lv;
  const ix = new Int32Array(nb);
  const iy = new Int32Array(nb);
  const cost = new Float64Array(nb);
  const found = new Uint8Array(nb);
  const x0s = new Int32Array(bw);
  const y0s = new Int32Array(bh);
  const cbx = new Int32Array(bw);
  const cby = new Int32Array(bh);
  for (let bx = 0; bx < bw; bx++) {
    const c = blockCentre(bx, lblock, w) + 0.5;
    x0s[bx] = clampInt(Math.round(c / scale - m.win / 2), 0, lv.w - m.win);
    if (coarser) cbx[bx] = Math.min(coarser.bw - 1, Math.floor(c / coarser.block));
  }
  for (let by = 0; by < bh; by++) {
    const c = blockCentre(by, lblock, h) + 0.5;
    y0s[by] = clampInt(Math.round(c / scale - m.winH / 2), 0, lv.h - m.winH);
    if (coarser) cby[by] = Math.min(coarser.bh - 1, Math.floor(c / coarser.block));
  }

  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const bi = by * bw + bx;
      prepareBlock(m, x0s[bx]!, y0s[by]!, bs);
      const ci = coarser ? cby[by]! * coarser.bw + cbx[bx]! : 0;
      // The coarser field is in its own level's pixels: twice as large here.
      const px = coarser ? Math.round(coarser.vx[ci]! * 2) : 0;
      const py = coarser ? Math.round(coarser.vy[ci]! * 2) : 0;
      const ok = searchBlock(m, bs, px, py, radius, best);
      found[bi] = ok ? 1 : 0;
      ix[bi] = ok ? best.dx : px;
      iy[bi] = ok ? best.dy : py;
      cost[bi] = ok ? best.cost : Infinity;
    }
  }

  // Film motion is mostly one pan or weave for the whole frame. A block whose best match is barely
  // better than the frame's dominant vector (flat sky, clipped highlights: grain decides) takes the
  // dominant vector instead; blocks that really move differently win by far more than the margin.
  const gx = medianOfFound(ix, found);
  const gy = medianOfFound(iy, found);
  const dense: Matcher = { ...m, step: 1 };
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const bi = by * bw + bx;
      prepareBlock(m, x0s[bx]!, y0s[by]!, bs);
      if (ix[bi] !== gx || iy[bi] !== gy) {
        const cg = candidateCost(m, bs, gx, gy, Infinity);
        if (!found[bi] || cg <= cost[bi]! * (1 + PRIOR_MARGIN)) {
          ix[bi] = gx;
          iy[bi] = gy;
          cost[bi] = cg;
          found[bi] = cg < Infinity ? 1 : 0;
        }
      }
      const dx = ix[bi]!;
      const dy = iy[bi]!;
      let fx = dx;
      let fy = dy;
      if (subpixel && found[bi]) {
        // Every row here: the parabola needs the precision that skipping rows gave away in the search.
        prepareBlock(dense, x0s[bx]!, y0s[by]!, bs);
        const c0 = candidateCost(dense, bs, dx, dy, Infinity);
        fx += subpixelOffset(dense, bs, dx, dy, c0, 1, 0);
        fy += subpixelOffset(dense, bs, dx, dy, c0, 0, 1);
      }
      f.vx[bi] = fx;
      f.vy[bi] = fy;
    }
  }
  const med = vectorMedian3x3(f.vx, f.vy, bw, bh);
  f.vx.set(med.vx);
  f.vy.set(med.vy);
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? Math.max(lo, hi) : v;
}

function prepareBlock(m: Matcher, x0: number, y0: number, out: BlockState): void {
  const rows = Math.ceil(m.winH / m.step);
  const masked = m.rInt ? rectCount(m.rInt, m.lv.w, x0, y0, m.win, m.winH) : 0;
  // Evidence needed: half the reference's usable pixels (as sampled), never fewer than 4.
  const usable = ((m.win * m.winH - masked) * rows) / m.winH;
  out.x0 = x0;
  out.y0 = y0;
  out.refClean = masked === 0;
  out.minCount = usable < 4 ? -1 : Math.max(4, Math.ceil(usable / 2));
  out.n = m.win * rows;
}

/**
 * Sum of absolute differences with no masks and the window inside both frames; stops past `limit`.
 * Math.abs, not a comparison: on grain the difference's sign is a coin toss, and the mispredicted branch
 * made block matching twice as slow.
 */
function sadFast(m: Matcher, bs: BlockState, dx: number, dy: number, limit: number): number {
  const { ref, other, w: lw } = m.lv;
  const win = m.win;
  const rowStride = lw * m.step;
  const shift = dy * lw + dx;
  let sum = 0;
  let rowStart = bs.y0 * lw + bs.x0;
  const rowEnd = (bs.y0 + m.winH) * lw;
  for (; rowStart < rowEnd; rowStart += rowStride) {
    const end = rowStart + win;
    for (let ri = rowStart, oi = rowStart + shift; ri < end; ri++, oi++) sum += Math.abs(ref[ri]! - other[oi]!);
    if (sum > limit) return sum;
  }
  return sum;
}

/**
 * Mean absolute difference over the window skipping masked and out-of-frame pixels; Infinity when
 * fewer than the block's minimum count are left to compare (too little evidence to trust it).
 */
function madMasked(m: Matcher, bs: BlockState, dx: number, dy: number): number {
  const { ref, other, rmask, omask, w: lw, h: lh } = m.lv;
  const xs = Math.max(bs.x0, -dx);
  const xe = Math.min(bs.x0 + m.win, lw - dx);
  const ye = Math.min(bs.y0 + m.winH, lh - dy);
  let y = bs.y0;
  while (y < -dy) y += m.step;
  const shift = dy * lw + dx;
  let sum = 0;
  let count = 0;
  for (; y < ye; y += m.step) {
    const row = y * lw;
    for (let x = xs; x < xe; x++) {
      const ri = row + x;
      const oi = ri + shift;
      if (rmask !== null && rmask[ri] !== 0) continue;
      if (omask !== null && omask[oi] !== 0) continue;
      sum += Math.abs(ref[ri]! - other[oi]!);
      count++;
    }
  }
  return count >= bs.minCount && count > 0 ? sum / count : Infinity;
}

/** Cost of one candidate: the unmasked fast path when the window is clean and inside both frames. */
function candidateCost(m: Matcher, bs: BlockState, dx: number, dy: number, limitMean: number): number {
  if (bs.minCount < 0) return Infinity;
  const ox = bs.x0 + dx;
  const oy = bs.y0 + dy;
  const lv = m.lv;
  const inside = ox >= 0 && oy >= 0 && ox + m.win <= lv.w && oy + m.winH <= lv.h;
  if (bs.refClean && inside && (m.oInt === null || rectCount(m.oInt, lv.w, ox, oy, m.win, m.winH) === 0)) {
    return sadFast(m, bs, dx, dy, limitMean * bs.n) / bs.n;
  }
  return madMasked(m, bs, dx, dy);
}

/** Best integer vector within ±radius of (px, py); false when the block has too little clean picture. */
function searchBlock(
  m: Matcher,
  bs: BlockState,
  px: number,
  py: number,
  radius: number,
  out: { dx: number; dy: number; cost: number },
): boolean {
  if (bs.minCount < 0) return false;
  // The prediction first, so early termination has a good bound from the start.
  let best = candidateCost(m, bs, px, py, Infinity);
  let bestRaw = best;
  let bdx = px;
  let bdy = py;
  for (let dy = py - radius; dy <= py + radius; dy++) {
    for (let dx = px - radius; dx <= px + radius; dx++) {
      if (dx === px && dy === py) continue;
      const penalty = SMOOTHNESS * (Math.abs(dx - px) + Math.abs(dy - py));
      if (penalty >= best) continue;
      const c = candidateCost(m, bs, dx, dy, best - penalty);
      if (c + penalty < best) {
        best = c + penalty;
        bestRaw = c;
        bdx = dx;
        bdy = dy;
      }
    }
  }
  if (best === Infinity) return false;
  out.dx = bdx;
  out.dy = bdy;
  out.cost = bestRaw;
  return true;
}

/** Median of the entries whose block found a match (0 when none did). */
function medianOfFound(v: Int32Array, found: Uint8Array): number {
  const vals: number[] = [];
  for (let i = 0; i < v.length; i++) if (found[i]) vals.push(v[i]!);
  if (vals.length === 0) return 0;
  vals.sort((a, b) => a - b);
  return vals[vals.length >> 1]!;
}

/** Sub-pixel offset along one axis from a parabola through the costs at -1, 0, +1; within ±0.5. */
function subpixelOffset(m: Matcher, bs: BlockState, dx: number, dy: number, c0: number, ax: number, ay: number): number {
  const cm = candidateCost(m, bs, dx - ax, dy - ay, Infinity);
  const cp = candidateCost(m, bs, dx + ax, dy + ay, Infinity);
  if (!Number.isFinite(c0) || !Number.isFinite(cm) || !Number.isFinite(cp)) return 0;
  const denom = cm - 2 * c0 + cp;
  if (denom <= 1e-12) return 0;
  const off = (0.5 * (cm - cp)) / denom;
  return off < -0.5 ? -0.5 : off > 0.5 ? 0.5 : off;
}

/**
 * The one displacement (whole pixels, within ±range of `around`) that best aligns `other` with `ref` over
 * the whole frame, on every `step`-th pixel of every `step`-th row: the camera's move, which block
 * matching on a small pyramid level can miss where picture repeats itself (a bridge's cables, a fence).
 */
export function globalShift(ref: Float32Array, other: Float32Array, w: number, h: number, range: number, around: readonly [number, number] = [0, 0], step = 4): [number, number] {
  const margin = range + Math.max(Math.abs(around[0]), Math.abs(around[1]));
  let best: [number, number] = [around[0], around[1]];
  if (w <= 2 * margin + step || h <= 2 * margin + step) return best;
  let least = Infinity;
  for (let dy = around[1] - range; dy <= around[1] + range; dy++) {
    for (let dx = around[0] - range; dx <= around[0] + range; dx++) {
      const shift = dy * w + dx;
      let sum = 0;
      // A candidate is dropped as soon as it cannot win.
      for (let y = margin; y < h - margin && sum < least; y += step) {
        const row = y * w;
        for (let x = margin; x < w - margin; x += step) sum += Math.abs(ref[row + x]! - other[row + x + shift]!);
      }
      if (sum < least) {
        least = sum;
        best = [dx, dy];
      }
    }
  }
  return best;
}

/**
 * 3x3 vector median: each block takes the vector among its neighbourhood with the smallest summed L1
 * distance to the others. Unlike a per-component median it always returns a vector that was measured.
 */
export function vectorMedian3x3(
  vx: Float32Array,
  vy: Float32Array,
  bw: number,
  bh: number,
): { vx: Float32Array; vy: Float32Array } {
  const ox = new Float32Array(vx.length);
  const oy = new Float32Array(vy.length);
  const cx = new Float64Array(9);
  const cy = new Float64Array(9);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let n = 0;
      for (let j = by - 1; j <= by + 1; j++) {
        if (j < 0 || j >= bh) continue;
        for (let i = bx - 1; i <= bx + 1; i++) {
          if (i < 0 || i >= bw) continue;
          cx[n] = vx[j * bw + i]!;
          cy[n] = vy[j * bw + i]!;
          n++;
        }
      }
      const bi = by * bw + bx;
      // The block's own vector wins ties, so a smooth field is left exactly as it was.
      let bestK = -1;
      let best = Infinity;
      const sx = vx[bi]!;
      const sy = vy[bi]!;
      let own = 0;
      for (let m = 0; m < n; m++) own += Math.abs(sx - cx[m]!) + Math.abs(sy - cy[m]!);
      best = own;
      for (let k = 0; k < n; k++) {
        let s = 0;
        const kx = cx[k]!;
        const ky = cy[k]!;
        for (let m = 0; m < n; m++) s += Math.abs(kx - cx[m]!) + Math.abs(ky - cy[m]!);
        if (s < best) {
          best = s;
          bestK = k;
        }
      }
      ox[bi] = bestK < 0 ? sx : cx[bestK]!;
      oy[bi] = bestK < 0 ? sy : cy[bestK]!;
    }
  }
  return { vx: ox, vy: oy };
}

/**
 * Per-column and per-row interpolation tables between block centres, so the per-pixel vector is a
 * bilinear blend of the four nearest block vectors (no block seams) without divisions in the loop.
 */
export interface FieldSampler {
  field: MotionField;
  width: number;
  height: number;
  bx0: Int32Array;
  bx1: Int32Array;
  wx: Float32Array;
  by0: Int32Array;
  by1: Int32Array;
  wy: Float32Array;
}

function axisTable(size: number, block: number, blocks: number): { b0: Int32Array; b1: Int32Array; wt: Float32Array } {
  const b0 = new Int32Array(size);
  const b1 = new Int32Array(size);
  const wt = new Float32Array(size);
  for (let p = 0; p < size; p++) {
    let lo = Math.floor((p + 0.5) / block - 0.5);
    if (lo < 0) lo = 0;
    if (lo > blocks - 1) lo = blocks - 1;
    const hi = Math.min(blocks - 1, lo + 1);
    const c0 = blockCentre(lo, block, size);
    const c1 = blockCentre(hi, block, size);
    let t = hi === lo ? 0 : (p - c0) / (c1 - c0);
    // Outside the outermost centres the edge vectors are held, not extrapolated.
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    b0[p] = lo;
    b1[p] = hi;
    wt[p] = t;
  }
  return { b0, b1, wt };
}

export function fieldSampler(field: MotionField, width: number, height: number): FieldSampler {
  const ax = axisTable(width, field.block, field.bw);
  const ay = axisTable(height, field.block, field.bh);
  return { field, width, height, bx0: ax.b0, bx1: ax.b1, wx: ax.wt, by0: ay.b0, by1: ay.b1, wy: ay.wt };
}

/** Interpolated vector at a pixel, written into out[0], out[1] (no allocation per pixel). */
export function vectorAt(s: FieldSampler, x: number, y: number, out: Float64Array): void {
  const { vx, vy, bw } = s.field;
  const r0 = s.by0[y]! * bw;
  const r1 = s.by1[y]! * bw;
  const c0 = s.bx0[x]!;
  const c1 = s.bx1[x]!;
  const tx = s.wx[x]!;
  const ty = s.wy[y]!;
  const a = (1 - tx) * (1 - ty);
  const b = tx * (1 - ty);
  const c = (1 - tx) * ty;
  const d = tx * ty;
  out[0] = a * vx[r0 + c0]! + b * vx[r0 + c1]! + c * vx[r1 + c0]! + d * vx[r1 + c1]!;
  out[1] = a * vy[r0 + c0]! + b * vy[r0 + c1]! + c * vy[r1 + c0]! + d * vy[r1 + c1]!;
}

/**
 * Vectors of one pixel row: the block rows above and below blended vertically once per row, so the
 * per-pixel work is a single horizontal blend.
 */
function rowVectors(s: FieldSampler, y: number, rvx: Float64Array, rvy: Float64Array): void {
  const { vx, vy, bw } = s.field;
  const r0 = s.by0[y]! * bw;
  const r1 = s.by1[y]! * bw;
  const t = s.wy[y]!;
  for (let b = 0; b < bw; b++) {
    const ax = vx[r0 + b]!;
    const ay = vy[r0 + b]!;
    rvx[b] = ax + t * (vx[r1 + b]! - ax);
    rvy[b] = ay + t * (vy[r1 + b]! - ay);
  }
}

/**
 * Resamples `src` (w x h, `channels` interleaved) onto the reference grid. `bias` is 0.5 for integer
 * destinations so the truncating typed-array store rounds; 0 for float.
 */
function warpCore(
  src: Samples | Float32Array,
  dst: Samples | Float32Array,
  valid: Uint8Array,
  w: number,
  h: number,
  channels: number,
  s: FieldSampler,
  bilinear: boolean,
  bias: number,
): void {
  const rvx = new Float64Array(s.field.bw);
  const rvy = new Float64Array(s.field.bw);
  const { bx0, bx1, wx } = s;
  const maxX = w - 1;
  const maxY = h - 1;
  for (let y = 0; y < h; y++) {
    rowVectors(s, y, rvx, rvy);
    for (let x = 0; x < w; x++) {
      const c0 = bx0[x]!;
      const c1 = bx1[x]!;
      const t = wx[x]!;
      const ax = rvx[c0]!;
      const ay = rvy[c0]!;
      let sx = x + ax + t * (rvx[c1]! - ax);
      let sy = y + ay + t * (rvy[c1]! - ay);
      const i = y * w + x;
      valid[i] = sx > -0.5 && sx < w - 0.5 && sy > -0.5 && sy < h - 0.5 ? 255 : 0;
      if (sx < 0) sx = 0;
      else if (sx > maxX) sx = maxX;
      if (sy < 0) sy = 0;
      else if (sy > maxY) sy = maxY;
      if (!bilinear) {
        const si = ((sy + 0.5) | 0) * w + ((sx + 0.5) | 0);
        if (channels === 1) dst[i] = src[si]!;
        else for (let c = 0; c < channels; c++) dst[i * channels + c] = src[si * channels + c]!;
        continue;
      }
      const x0 = sx | 0;
      const y0 = sy | 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const x1 = x0 < maxX ? x0 + 1 : x0;
      const y1 = y0 < maxY ? y0 + 1 : y0;
      const i00 = (y0 * w + x0) * channels;
      const i01 = (y0 * w + x1) * channels;
      const i10 = (y1 * w + x0) * channels;
      const i11 = (y1 * w + x1) * channels;
      const o = i * channels;
      for (let c = 0; c < channels; c++) {
        const top = src[i00 + c]! + fx * (src[i01 + c]! - src[i00 + c]!);
        const bot = src[i10 + c]! + fx * (src[i11 + c]! - src[i10 + c]!);
        dst[o + c] = top + fy * (bot - top) + bias;
      }
    }
  }
}

export interface Warped<T> {
  data: T;
  /** 255 where the source position fell inside the frame, 0 where it was clamped at a border. */
  valid: Uint8Array;
}

/**
 * The other frame resampled onto the reference frame's grid at its own bit depth: out(x, y) =
 * other(x + v(x, y)) with v interpolated between block centres, bilinear by default.
 */
export function warpFrame(
  other: Samples,
  layout: FrameLayout,
  field: MotionField,
  opts: { bilinear?: boolean } = {},
): Warped<Samples> {
  const { width: w, height: h, channels } = layout;
  const data = allocFrame(layout);
  const valid = new Uint8Array(w * h);
  warpCore(other, data, valid, w, h, channels, fieldSampler(field, w, h), opts.bilinear ?? true, 0.5);
  return { data, valid };
}

/**
 * Luma warp for the detector. Nearest sampling by default: bilinear would average the grain of the
 * neighbour and make it look quieter than the current frame, which raises false detections.
 */
export function warpLuma(
  other: Float32Array,
  w: number,
  h: number,
  field: MotionField,
  opts: { bilinear?: boolean } = {},
): Warped<Float32Array> {
  const data = new Float32Array(w * h);
  const valid = new Uint8Array(w * h);
  warpCore(other, data, valid, w, h, 1, fieldSampler(field, w, h), opts.bilinear ?? false, 0);
  return { data, valid };
}

/**
 * A mask carried onto the reference grid: flagged where any pixel a bilinear sample would read is
 * flagged, so a warped value is trusted only if none of its sources is damaged.
 */
export function warpMask(mask: Uint8Array, w: number, h: number, field: MotionField): Uint8Array {
  const out = new Uint8Array(w * h);
  const s = fieldSampler(field, w, h);
  const rvx = new Float64Array(field.bw);
  const rvy = new Float64Array(field.bw);
  const maxX = w - 1;
  const maxY = h - 1;
  for (let y = 0; y < h; y++) {
    rowVectors(s, y, rvx, rvy);
    for (let x = 0; x < w; x++) {
      const t = s.wx[x]!;
      const ax = rvx[s.bx0[x]!]!;
      const ay = rvy[s.bx0[x]!]!;
      let sx = x + ax + t * (rvx[s.bx1[x]!]! - ax);
      let sy = y + ay + t * (rvy[s.bx1[x]!]! - ay);
      if (sx < 0) sx = 0;
      else if (sx > maxX) sx = maxX;
      if (sy < 0) sy = 0;
      else if (sy > maxY) sy = maxY;
      const x0 = sx | 0;
      const y0 = sy | 0;
      const x1 = sx > x0 && x0 < maxX ? x0 + 1 : x0;
      const y1 = sy > y0 && y0 < maxY ? y0 + 1 : y0;
      const flagged = mask[y0 * w + x0]! | mask[y0 * w + x1]! | mask[y1 * w + x0]! | mask[y1 * w + x1]!;
      out[y * w + x] = flagged ? 255 : 0;
    }
  }
  return out;
}
