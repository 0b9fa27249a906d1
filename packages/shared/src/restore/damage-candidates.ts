/**
 * The cheap first stage of the learned segmenter's cascade: which cells of a frame could hold damage at all.
 * The network then runs only on those cells (plus its context margin), which is what makes it fast enough
 * at 2K and 4K: on a typical frame most of the picture is clean and never reaches the network.
 *
 * Two tests, both far more permissive than the network, because a cell they skip is a cell the network
 * never sees (recall is decided here):
 * - temporal: the centre is brighter than the 3x3 maximum, or darker than the 3x3 minimum, of both frames
 *   of a symmetric pair (t-1, t+1), (t-2, t+2)... by more than `spike`, each frame read where the camera
 *   took the picture when the caller gives the camera's vectors (else at the same place). One-frame dust and dirt light this
 *   up; a pair of frames at distance 2 still sees dust that a duplicated neighbour frame repeats.
 * - line: a thin vertical ridge in the mean of the window's frames: a pixel differs from the mean of the
 *   pixels `lineGap` to its left and right by more than that difference two pixels either side does, on
 *   average over `lineRows` rows (a row counting for at most LINE_CLIP times `line`), by more than `line`.
 *   Persistent vertical scratches are the same in every frame, so only their shape can find them.
 */
import { downscale2 } from './luma.js';

/**
 * A row's ridge counts towards the line test's mean up to this many times `line`: a scratch keeps its
 * contrast row after row, while a strong picture line that crosses the rows at a slant (a bridge's cables,
 * which a pan along them leaves sharp in the window's mean) passes through a few rows only. Unclipped, those
 * few rows carried the mean past `line`: on the bench's 2K photograph of a bridge the line test sent 6.6 % of
 * the cells to the network, 0.8 % clipped, with no damage lost on the unseen split.
 */
const LINE_CLIP = 3;

export interface CandidateOptions {
  /** Side of a cell in pixels (a multiple of 4, the network's grid). */
  cell: number;
  /** Smallest luma jump against both frames of a pair that makes a pixel a candidate. */
  spike: number;
  /** Smallest mean horizontal contrast over `lineRows` rows that makes a pixel a candidate. */
  line: number;
  /** Rows averaged by the line test (default 32: picture texture rarely holds a thin vertical ridge that long). */
  lineRows?: number;
  /** Pixels left and right compared by the line test (default 3). */
  lineGap?: number;
  /** A candidate pixel also selects the cells within this many pixels of it (default 4): damage can straddle a cell edge. */
  reach?: number;
  /**
   * Halvings before testing (default 1): a 2x2 average halves the grain, which otherwise makes single
   * pixels jump in every cell of a 2K frame, keeps specks of two pixels and more, and quarters the cost.
   */
  halvings?: number;
}

export interface CandidateCells {
  cols: number;
  rows: number;
  cell: number;
  /** cols * rows, 1 = run the network on this cell. */
  selected: Uint8Array;
  count: number;
}

/** Size of the plane the tests run on: the frame reduced by `factor` (2^halvings) each way. */
export function cascadePlaneSize(w: number, h: number, halvings: number | undefined): { w: number; h: number; factor: number } {
  const f = 1 << Math.max(0, halvings ?? 1);
  return f > 1 ? { w: Math.max(1, Math.floor(w / f)), h: Math.max(1, Math.floor(h / f)), factor: f } : { w, h, factor: 1 };
}

/**
 * One frame's plane for the tests: one box average straight to the test size (the luma itself at 0
 * halvings), written into `out` when given.
 */
export function cascadePlane(luma: Float32Array, w: number, h: number, halvings: number | undefined, out?: Float32Array): Float32Array {
  const { w: sw, h: sh, factor: f } = cascadePlaneSize(w, h, halvings);
  // No intermediate level is ever allocated (64 MB at 4K).
  return f === 1 ? luma : f === 2 ? downscale2(luma, w, h, out).data : boxDown(luma, w, sw, sh, f, out);
}

/**
 * `lumas` is the network's window (odd length, centre in the middle, missing frames already mirrored in),
 * each w*h luma in [0,1]. `planes`, when given, are their cascadePlane for `o.halvings`, made beforehand
 * (luma-levels.ts): slot for slot, and one object for a frame that fills several slots, as `lumas`.
 */
export function candidateCells(
  lumas: readonly Float32Array[],
  w: number,
  h: number,
  o: CandidateOptions,
  planes?: readonly Float32Array[],
  shifts?: readonly (readonly [number, number])[],
): CandidateCells {
  const c = lumas.length >> 1;
  const { w: sw, h: sh } = cascadePlaneSize(w, h, o.halvings);
  let levels = planes;
  if (!levels || levels.length !== lumas.length) {
    const small = new Map<Float32Array, Float32Array>();
    levels = lumas.map((p) => {
      let d = small.get(p);
      if (!d) {
        d = cascadePlane(p, w, h, o.halvings);
        small.set(p, d);
      }
      return d;
    });
  }
  const cur = levels[c]!;
  const n = sw * sh;
  const hit = new Uint8Array(n);
  for (let k = 1; k <= c; k++) {
    const a = levels[c - k]!;
    const b = levels[c + k]!;
    // A pair that is the centre itself (a one-frame shot) can witness nothing.
    if (a === cur && b === cur) continue;
    // Compared where the camera took the picture: on a pan, textured picture no longer jumps out of
    // the raw difference, and the network is spared most of a moving frame's cells.
    const f = w / sw;
    const at = (slot: number): [number, number] => {
      const v = shifts?.[slot];
      return v ? [Math.round(v[0] / f), Math.round(v[1] / f)] : [0, 0];
    };
    markPairSpikes(cur, a, b, sw, sh, o.spike, hit, at(c - k), at(c + k));
  }
  // The line test looks at the window's mean: a scratch stays put in the frame and keeps its contrast,
  // picture texture that moves with the camera is smeared out (and the grain shrinks by sqrt(T)).
  // On a clean 2K pan this cuts the cells the line test flags from 11% to 4%, with no detection lost.
  markLines(levels, sw, sh, o, hit);
  return selectCells(hit, sw, sh, w / sw, w, h, o.cell, o.reach ?? 4);
}

/** f x f box average of a w-wide image into sw x sh (rows and columns past sw*f, sh*f are dropped). */
function boxDown(src: Float32Array, w: number, sw: number, sh: number, f: number, out: Float32Array = new Float32Array(sw * sh)): Float32Array {
  if (out.length !== sw * sh) throw new RangeError(`reduced plane holds ${out.length} values, ${sw}x${sh} needs ${sw * sh}`);
  const k = 1 / (f * f);
  for (let y = 0; y < sh; y++) {
    const o = y * sw;
    out.fill(0, o, o + sw);
    for (let dy = 0; dy < f; dy++) {
      const row = (y * f + dy) * w;
      for (let x = 0; x < sw; x++) {
        let s = 0;
        const base = row + x * f;
        for (let dx = 0; dx < f; dx++) s += src[base + dx]!;
        out[o + x] = out[o + x]! + s;
      }
    }
    for (let x = 0; x < sw; x++) out[o + x] = out[o + x]! * k;
  }
  return out;
}

/**
 * Marks pixels of `cur` above the 3x3 maximum, or below the 3x3 minimum, of both `a` and `b` by more than
 * `spike`, each read displaced by its camera vector (`da`, `db`, whole pixels; clamped at the frame's edge).
 * Both extremes bound the pixel's own value in each frame, so a pixel within `spike` of `a` or `b` at its
 * own position cannot pass: the 3x3 extremes are read only for the few that differ from both by more (4% of
 * a 2K pan's pixels), not computed for the whole plane.
 */
function markPairSpikes(
  cur: Float32Array,
  a: Float32Array,
  b: Float32Array,
  w: number,
  h: number,
  spike: number,
  hit: Uint8Array,
  da: readonly [number, number] = [0, 0],
  db: readonly [number, number] = [0, 0],
): void {
  const [ax, ay] = da;
  const [bx, by] = db;
  const rowOf = (y: number) => (y < 0 ? 0 : y >= h ? h - 1 : y) * w;
  // Where the pixel's own reads stay inside the row, no column needs clamping (nearly every pixel).
  const inLo = Math.max(1 - ax, 1 - bx, 0);
  const inHi = Math.min(w - 1 - ax, w - 1 - bx, w);
  const rowsA = new Int32Array(3);
  const rowsB = new Int32Array(3);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let r = 0; r < 3; r++) {
      rowsA[r] = rowOf(y + ay + r - 1);
      rowsB[r] = rowOf(y + by + r - 1);
    }
    const midA = rowsA[1]! + ax;
    const midB = rowsB[1]! + bx;
    for (let x = 0; x < w; x++) {
      const v = cur[row + x]!;
      const inside = x >= inLo && x < inHi;
      const av = inside ? a[midA + x]! : a[rowsA[1]! + clamp(x + ax, w)]!;
      const bv = inside ? b[midB + x]! : b[rowsB[1]! + clamp(x + bx, w)]!;
      const above = v - av > spike && v - bv > spike;
      const below = av - v > spike && bv - v > spike;
      if (!above && !below) continue;
      let g = -Infinity;
      let l = Infinity;
      for (let r = 0; r < 3; r++) {
        for (let dx = -1; dx <= 1; dx++) {
          const p = a[rowsA[r]! + clamp(x + ax + dx, w)]!;
          const q = b[rowsB[r]! + clamp(x + bx + dx, w)]!;
          if (p > g) g = p;
          if (p < l) l = p;
          if (q > g) g = q;
          if (q < l) l = q;
        }
      }
      if (v - g > spike || l - v > spike) hit[row + x] = 1;
    }
  }
}

function clamp(x: number, w: number): number {
  return x < 0 ? 0 : x >= w ? w - 1 : x;
}

/** Row y of the planes' per-pixel mean, into `out`: in one pass for the usual five. */
function meanRow(planes: readonly Float32Array[], y: number, w: number, out: Float32Array): void {
  const k = 1 / planes.length;
  const row = y * w;
  if (planes.length === 5) {
    const [p0, p1, p2, p3, p4] = planes as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    for (let x = 0; x < w; x++) out[x] = (p0[row + x]! + p1[row + x]! + p2[row + x]! + p3[row + x]! + p4[row + x]!) * k;
    return;
  }
  out.fill(0);
  for (const p of planes) for (let x = 0; x < w; x++) out[x] = out[x]! + p[row + x]!;
  for (let x = 0; x < w; x++) out[x] = out[x]! * k;
}

/**
 * The line test on the planes' mean. Rows are made as the running column sums reach them and kept in a
 * ring of `lineRows` + 2 rows, not as whole planes: at 2K three fewer planes of 3 MB are written and read
 * back for every window.
 */
function markLines(planes: readonly Float32Array[], w: number, h: number, o: CandidateOptions, hit: Uint8Array): void {
  const gap = o.lineGap ?? 3;
  const rows = Math.max(1, o.lineRows ?? 32);
  const half = rows >> 1;
  const cur = new Float32Array(w);
  const contrast = new Float32Array(w);
  const ringRows = rows + 2;
  const ring = new Float32Array(ringRows * w);
  const ridgeRow = (y: number): Float32Array => ring.subarray((y % ringRows) * w, (y % ringRows + 1) * w);
  const clip = LINE_CLIP * o.line;
  const makeRidge = (y: number) => {
    meanRow(planes, y, w, cur);
    for (let x = 0; x < w; x++) {
      const l = cur[x >= gap ? x - gap : 0]!;
      const r = cur[x + gap < w ? x + gap : w - 1]!;
      contrast[x] = cur[x]! - 0.5 * (l + r);
    }
    // A thin line stands out from the contrast two pixels either side; a step edge does not (its contrast
    // is as high two pixels into the bright side), so picture edges do not pass for scratches.
    const ridge = ridgeRow(y);
    for (let x = 0; x < w; x++) {
      const c = contrast[x]!;
      const l = contrast[x >= 2 ? x - 2 : 0]!;
      const r = contrast[x + 2 < w ? x + 2 : w - 1]!;
      const bright = c - (l > r ? l : r);
      const dark = (l < r ? l : r) - c;
      const v = bright > dark ? bright : -dark;
      ridge[x] = v > clip ? clip : v < -clip ? -clip : v;
    }
  };
  // Column sums over the rows [y - half, y - half + rows), clipped to the frame, kept as y moves down.
  const sum = new Float64Array(w);
  let lo = 0;
  let hi = 0;
  for (let y = 0; y < h; y++) {
    const wantHi = Math.min(h, y - half + rows);
    const wantLo = Math.max(0, y - half);
    for (; hi < wantHi; hi++) {
      makeRidge(hi);
      const ridge = ridgeRow(hi);
      for (let x = 0; x < w; x++) sum[x] = sum[x]! + ridge[x]!;
    }
    for (; lo < wantLo; lo++) {
      const ridge = ridgeRow(lo);
      for (let x = 0; x < w; x++) sum[x] = sum[x]! - ridge[x]!;
    }
    const limit = o.line * (hi - lo);
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const s = sum[x]!;
      if (s > limit || s < -limit) hit[row + x] = 1;
    }
  }
}

/** Marks every cell within `reach` full-resolution pixels of a hit; `scale` maps hit coordinates to full resolution. */
function selectCells(hit: Uint8Array, sw: number, sh: number, scale: number, w: number, h: number, cell: number, reach: number): CandidateCells {
  const cols = Math.ceil(w / cell);
  const rows = Math.ceil(h / cell);
  const selected = new Uint8Array(cols * rows);
  const span = Math.ceil(scale) - 1;
  for (let y = 0; y < sh; y++) {
    const fy = Math.floor(y * scale);
    const cy0 = Math.floor(Math.max(0, fy - reach) / cell);
    const cy1 = Math.floor(Math.min(h - 1, fy + span + reach) / cell);
    const row = y * sw;
    for (let x = 0; x < sw; x++) {
      if (hit[row + x] === 0) continue;
      const fx = Math.floor(x * scale);
      const cx0 = Math.floor(Math.max(0, fx - reach) / cell);
      const cx1 = Math.floor(Math.min(w - 1, fx + span + reach) / cell);
      for (let cy = cy0; cy <= cy1; cy++) for (let cx = cx0; cx <= cx1; cx++) selected[cy * cols + cx] = 1;
    }
  }
  let count = 0;
  for (let i = 0; i < selected.length; i++) count += selected[i]!;
  return { cols, rows, cell, selected, count };
}
