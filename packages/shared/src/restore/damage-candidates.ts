/**
 * The cheap first stage of the learned segmenter's cascade: which cells of a frame could hold damage at all.
 * The network then runs only on those cells (plus its context margin), which is what makes it fast enough
 * at 2K and 4K: on a typical frame most of the picture is clean and never reaches the network.
 *
 * Two tests, both far more permissive than the network, because a cell they skip is a cell the network
 * never sees (recall is decided here):
 * - temporal: the centre is brighter than the 3x3 maximum, or darker than the 3x3 minimum, of both frames
 *   of a symmetric pair (t-1, t+1), (t-2, t+2)... by more than `spike`. One-frame dust and dirt light this
 *   up; a pair of frames at distance 2 still sees dust that a duplicated neighbour frame repeats.
 * - line: a thin vertical ridge in the mean of the window's frames: a pixel differs from the mean of the
 *   pixels `lineGap` to its left and right by more than that difference two pixels either side does, on
 *   average over `lineRows` rows, by more than `line`. Persistent vertical scratches are the same in every
 *   frame, so only their shape can find them.
 */
import { downscale2 } from './luma.js';
import { rowMinMax3 } from './spike-detect.js';

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

/**
 * `lumas` is the network's window (odd length, centre in the middle, missing frames already mirrored in),
 * each w*h luma in [0,1].
 */
export function candidateCells(lumas: readonly Float32Array[], w: number, h: number, o: CandidateOptions): CandidateCells {
  const c = lumas.length >> 1;
  // One box average straight to the test size: no intermediate level is ever allocated (64 MB at 4K).
  const f = 1 << Math.max(0, o.halvings ?? 1);
  const sw = f > 1 ? Math.max(1, Math.floor(w / f)) : w;
  const sh = f > 1 ? Math.max(1, Math.floor(h / f)) : h;
  const small = new Map<Float32Array, Float32Array>();
  const planes = lumas.map((p) => {
    if (f === 1) return p;
    let d = small.get(p);
    if (!d) {
      d = f === 2 ? downscale2(p, w, h).data : boxDown(p, w, sw, sh, f);
      small.set(p, d);
    }
    return d;
  });
  const cur = planes[c]!;
  const n = sw * sh;
  const hit = new Uint8Array(n);
  for (let k = 1; k <= c; k++) {
    const a = planes[c - k]!;
    const b = planes[c + k]!;
    // A pair that is the centre itself (a one-frame shot) can witness nothing.
    if (a === cur && b === cur) continue;
    markPairSpikes(cur, a, b, sw, sh, o.spike, hit);
  }
  // The line test looks at the window's mean: a scratch stays put in the frame and keeps its contrast,
  // picture texture that moves with the camera is smeared out (and the grain shrinks by sqrt(T)).
  // On a clean 2K pan this cuts the cells the line test flags from 11% to 4%, with no detection lost.
  markLines(meanOf(planes, n), sw, sh, o, hit);
  return selectCells(hit, sw, sh, w / sw, w, h, o.cell, o.reach ?? 4);
}

/** f x f box average of a w-wide image into sw x sh (rows and columns past sw*f, sh*f are dropped). */
function boxDown(src: Float32Array, w: number, sw: number, sh: number, f: number): Float32Array {
  const out = new Float32Array(sw * sh);
  const k = 1 / (f * f);
  for (let y = 0; y < sh; y++) {
    const o = y * sw;
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
 * `spike`: minMax3x3 and a comparison, but row by row over three rolling rows of horizontal extremes
 * (rowMinMax3), with no whole-frame buffers.
 */
function markPairSpikes(cur: Float32Array, a: Float32Array, b: Float32Array, w: number, h: number, spike: number, hit: Uint8Array): void {
  const his = [new Float32Array(w), new Float32Array(w), new Float32Array(w)];
  const los = [new Float32Array(w), new Float32Array(w), new Float32Array(w)];
  const fill = (y: number, hi: Float32Array, lo: Float32Array) => rowMinMax3(a, b, y * w, w, lo, hi, 0);
  // Rows y-1, y, y+1 (clamped at the edges) in slots 0, 1, 2.
  fill(0, his[1]!, los[1]!);
  his[0]!.set(his[1]!);
  los[0]!.set(los[1]!);
  fill(Math.min(1, h - 1), his[2]!, los[2]!);
  for (let y = 0; y < h; y++) {
    const [h0, h1, h2] = his as [Float32Array, Float32Array, Float32Array];
    const [l0, l1, l2] = los as [Float32Array, Float32Array, Float32Array];
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const v = cur[row + x]!;
      let g = h0[x]!;
      if (h1[x]! > g) g = h1[x]!;
      if (h2[x]! > g) g = h2[x]!;
      let l = l0[x]!;
      if (l1[x]! < l) l = l1[x]!;
      if (l2[x]! < l) l = l2[x]!;
      if (v - g > spike || l - v > spike) hit[row + x] = 1;
    }
    // Rotate: the oldest row's buffers take row y + 2 (row h - 1 again at the bottom edge).
    his.push(his.shift()!);
    los.push(los.shift()!);
    if (y + 2 < h) fill(y + 2, his[2]!, los[2]!);
    else {
      his[2]!.set(his[1]!);
      los[2]!.set(los[1]!);
    }
  }
}

/** Per-pixel mean of the planes, in one pass for the usual five. */
function meanOf(planes: readonly Float32Array[], n: number): Float32Array {
  const mean = new Float32Array(n);
  const k = 1 / planes.length;
  if (planes.length === 5) {
    const [p0, p1, p2, p3, p4] = planes as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < n; i++) mean[i] = (p0[i]! + p1[i]! + p2[i]! + p3[i]! + p4[i]!) * k;
    return mean;
  }
  for (const p of planes) for (let i = 0; i < n; i++) mean[i] = mean[i]! + p[i]!;
  for (let i = 0; i < n; i++) mean[i] = mean[i]! * k;
  return mean;
}

function markLines(cur: Float32Array, w: number, h: number, o: CandidateOptions, hit: Uint8Array): void {
  const gap = o.lineGap ?? 3;
  const rows = Math.max(1, o.lineRows ?? 32);
  const half = rows >> 1;
  const contrast = new Float32Array(w * h);
  const ridge = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const l = cur[row + (x >= gap ? x - gap : 0)]!;
      const r = cur[row + (x + gap < w ? x + gap : w - 1)]!;
      contrast[row + x] = cur[row + x]! - 0.5 * (l + r);
    }
    // A thin line stands out from the contrast two pixels either side; a step edge does not (its contrast
    // is as high two pixels into the bright side), so picture edges do not pass for scratches.
    for (let x = 0; x < w; x++) {
      const c = contrast[row + x]!;
      const l = contrast[row + (x >= 2 ? x - 2 : 0)]!;
      const r = contrast[row + (x + 2 < w ? x + 2 : w - 1)]!;
      const bright = c - (l > r ? l : r);
      const dark = (l < r ? l : r) - c;
      ridge[row + x] = bright > dark ? bright : -dark;
    }
  }
  // Column sums over the rows [y - half, y - half + rows), clipped to the frame, kept as y moves down.
  const sum = new Float64Array(w);
  let lo = 0;
  let hi = 0;
  for (let y = 0; y < h; y++) {
    const wantHi = Math.min(h, y - half + rows);
    const wantLo = Math.max(0, y - half);
    for (; hi < wantHi; hi++) for (let x = 0; x < w; x++) sum[x] = sum[x]! + ridge[hi * w + x]!;
    for (; lo < wantLo; lo++) for (let x = 0; x < w; x++) sum[x] = sum[x]! - ridge[lo * w + x]!;
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
