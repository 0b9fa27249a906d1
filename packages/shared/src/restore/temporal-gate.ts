/**
 * The temporal gate: the last word on which proposed damage is repainted. A proposal (a connected region
 * of the segmenter's mask) is damage only when the motion-compensated neighbours do not confirm it while
 * they confirm each other (../../../../README.md, "First, do no harm"; DETECTION.md):
 *
 * - **present**: the region's content is found in a neighbour, at the camera's vector or anywhere within
 *   `reach` of it (a limb, a bird, a car moving on its own). Then it is picture: dropped. Dust exists on one
 *   frame only, so no neighbour holds it.
 * - **agree**: the two neighbours, aligned by the camera's vector, show the same thing under the region.
 *   Where they disagree (occlusion, non-rigid motion, blur, a jump) motion compensation has failed and the
 *   picture is protected: dropped.
 * - **persistent scratch**: a thin vertical line found in a neighbour at the same frame position while the
 *   picture under it has moved sideways. A line that moves with the picture is a door frame or a pole, and
 *   in a shot where nothing moves the two cannot be told apart: dropped.
 * - **border**: a band along the frame's edge (gate edge, black or bright border) flickers and weaves with
 *   the film, so no neighbour confirms it; it is not damage either.
 * - with **no witness** at all (a one-frame shot, every neighbour a jump or a repeat) only the segmenter's
 *   most certain, small, high-contrast regions are kept: never a flood.
 *
 * Each test compares region means, with the brightness offset taken from the ring around the region, so
 * grain averages out and flicker (global or local) cancels. Motion is block matching at about 640 px
 * width, the proposals left out of the match so the damage cannot pull the vectors.
 */
import { downscale2, downscaleMask2 } from './luma.js';
import { estimateMotion, fieldSampler, vectorAt, type FieldSampler } from './motion.js';
import { countMask } from './morphology.js';

export interface GateOptions {
  /**
   * How far per frame of distance (in pixels of a 1024-wide frame, scaled to the frame, and at least 6 px)
   * a region's content may have moved against the camera and still be found in a neighbour. Default 10:
   * fast action, 8 px a frame at 1K, with room to spare.
   */
  reach?: number;
  /** A neighbour whose mean absolute difference to the centre is below this is a repeat of it (telecine, double scan). */
  repeatMad?: number;
  /** Damage probability per pixel (the segmenter's), for the no-witness fallback; null: the fallback keeps nothing. */
  prob?: Float32Array | null;
}

export type GateVerdict = 'damage' | 'scratch' | 'present' | 'disagree' | 'static-line' | 'border' | 'no-witness' | 'weak';

export interface GateResult {
  /** The kept regions, 255 = damage. */
  mask: Uint8Array;
  /** How many regions got each verdict (for logs and the bench). */
  verdicts: Record<GateVerdict, number>;
  /** Usable neighbours (not missing, not a repeat of the centre). */
  witnesses: number;
}

/** A neighbour usable as a witness: its luma and the camera's motion from the centre to it, full-resolution pixels. */
interface Witness {
  offset: number;
  luma: Float32Array;
  sampler: FieldSampler;
  /** Multiplies the sampler's vectors: it was estimated on a downscaled frame. */
  scale: number;
  /** Typical per-pixel difference between the centre and this neighbour once aligned: grain and alignment error. */
  noise: number;
}

const REPEAT_MAD = 0.004;
/** A region is present in a neighbour when its departure there is below this share of its departure at the camera's vector. */
const PRESENT_RATIO = 0.35;
/** Aligned neighbours agree when they differ under the region by less than this share of the centre's departure. */
const AGREE_RATIO = 0.15;
/** Departures below this (luma) are grain, whatever the ratios say. */
const GRAIN_FLOOR = 0.012;
/** A region whose mean departs from the aligned neighbours by less than this (luma) is not worth a repaint. */
const WEAK_DEPARTURE = 0.018;
/** Thin vertical lines: at most this wide (at 1024 px width) and at least this tall and this many times taller than wide. */
const LINE_WIDTH = 5;
const LINE_HEIGHT = 16;
const LINE_ELONGATION = 6;
/** A region touching the frame's edge and this many times longer along it than deep is a border band. */
const EDGE_ELONGATION = 3;
/** A scratch-shaped line where motion cannot tell: at least this share of the frame's height, and a ridge on this share of its rows. */
const SCRATCH_MIN_HEIGHT = 0.4;
const RIDGE_ROWS = 0.6;
/** Pixels beside a line's run on its row where the picture either side is read. */
const RIDGE_GAP = 2;
/** Horizontal camera motion (px at 1024 width) below which a line cannot be told from picture. */
const LINE_MIN_SHIFT = 1.5;
/** No-witness fallback: the segmenter's certainty, the region's contrast and its largest share of the frame. */
const ALONE_PROB = 0.85;
const ALONE_CONTRAST = 0.12;
/** Largest region (as the side of a square, px at 1024 width; at least 8 px) kept on the segmenter's word alone. */
const ALONE_MAX_SIDE = 32;
/** Patch pixels sampled per region and candidate vector: bounds the cost of large blotches. */
const MAX_SAMPLES = 192;
/** Ring around a region (px beyond its box) whose median difference gives the local brightness offset. */
const RING = 6;

/**
 * `mask`: the proposals (255 = damage), undilated. `lumas`: the window's luma planes, centre in the middle,
 * null where the shot has no frame (not mirrored: a mirrored frame is no witness).
 */
export function gateDamage(mask: Uint8Array, lumas: readonly (Float32Array | null)[], w: number, h: number, opts: GateOptions = {}): GateResult {
  const verdicts: Record<GateVerdict, number> = { damage: 0, scratch: 0, present: 0, disagree: 0, 'static-line': 0, border: 0, 'no-witness': 0, weak: 0 };
  const out = new Uint8Array(w * h);
  const count = countMask(mask);
  const c = lumas.length >> 1;
  const centre = lumas[c];
  if (!centre || lumas.length % 2 === 0) throw new Error('gateDamage: the window needs an odd length and a centre frame');
  if (count === 0) return { mask: out, verdicts, witnesses: 0 };

  const unit = w / 1024;
  const witnesses = chooseWitnesses(lumas, c, mask, w, h, opts.repeatMad ?? REPEAT_MAD);
  const reach = Math.max(6, Math.round((opts.reach ?? 10) * unit));
  const regions = regionsOf(mask, w, h, count);
  const v = new Float64Array(2);
  for (const r of regions) {
    const verdict = judge(r, centre, witnesses, mask, w, h, reach, unit, opts.prob ?? null, v);
    verdicts[verdict]++;
    if (verdict === 'damage' || verdict === 'scratch') for (const p of r.pixels) out[p] = 255;
  }
  return { mask: out, verdicts, witnesses: witnesses.length };
}

/**
 * Every usable neighbour of the window, nearest first. A neighbour identical to the centre (a repeated
 * frame) would confirm its damage, so it is skipped.
 */
function chooseWitnesses(lumas: readonly (Float32Array | null)[], c: number, mask: Uint8Array, w: number, h: number, repeatMad: number): Witness[] {
  const centre = lumas[c]!;
  const picked: { offset: number; luma: Float32Array }[] = [];
  for (let k = 1; k <= c; k++) {
    for (const offset of [-k, k]) {
      const f = lumas[c + offset];
      if (f && f !== centre && meanAbsDiff(centre, f, 3) >= repeatMad) picked.push({ offset, luma: f });
    }
  }
  if (picked.length === 0) return [];
  const small = shrink(centre, mask, w, h);
  return picked.map(({ offset, luma }) => {
    const other = shrink(luma, null, w, h);
    // Two frames away the camera has moved twice as far.
    const range = Math.ceil((12 * Math.abs(offset) * w) / 1024 / small.scale) + 2;
    const field = estimateMotion(small.luma, other.luma, small.w, small.h, { range, refMask: small.mask });
    const sampler = fieldSampler(field, small.w, small.h);
    return { offset, luma, sampler, scale: small.scale, noise: alignedNoise(centre, luma, sampler, small.scale, w, h) };
  });
}

/** Median absolute difference between the centre and the aligned neighbour over a sparse grid of pixels. */
function alignedNoise(centre: Float32Array, n: Float32Array, sampler: FieldSampler, scale: number, w: number, h: number): number {
  const v = new Float64Array(2);
  const diffs: number[] = [];
  const step = Math.max(3, Math.round(Math.sqrt((w * h) / 4000)));
  for (let y = step >> 1; y < h; y += step) {
    for (let x = step >> 1; x < w; x += step) {
      vectorAt(sampler, Math.min(sampler.width - 1, Math.floor(x / scale)), Math.min(sampler.height - 1, Math.floor(y / scale)), v);
      const sx = Math.round(x + v[0]! * scale);
      const sy = Math.round(y + v[1]! * scale);
      if (sx >= 0 && sx < w && sy >= 0 && sy < h) diffs.push(Math.abs(centre[y * w + x]! - n[sy * w + sx]!));
    }
  }
  return diffs.length ? median(Float64Array.from(diffs)) : GRAIN_FLOOR;
}

/** Halves until at most 640 px wide: enough to follow the camera, and cheap at 2K and 4K. */
function shrink(luma: Float32Array, mask: Uint8Array | null, w: number, h: number): { luma: Float32Array; mask: Uint8Array | null; w: number; h: number; scale: number } {
  let cur = { luma, mask, w, h, scale: 1 };
  while (cur.w > 640 && cur.h >= 32) {
    const d = downscale2(cur.luma, cur.w, cur.h);
    cur = { luma: d.data, mask: cur.mask ? downscaleMask2(cur.mask, cur.w, cur.h) : null, w: d.width, h: d.height, scale: cur.scale * 2 };
  }
  return cur;
}

/** Mean absolute difference over every `step`-th pixel of every `step`-th row. */
function meanAbsDiff(a: Float32Array, b: Float32Array, step: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += step) {
    sum += Math.abs(a[i]! - b[i]!);
    n++;
  }
  return n ? sum / n : 0;
}

interface Region {
  pixels: Int32Array;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** 8-connected regions of the mask with their pixel lists and boxes; memory follows the flagged pixels, not the frame. */
function regionsOf(mask: Uint8Array, w: number, h: number, count: number): Region[] {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(count);
  const regions: Region[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] !== 0) continue;
    let sp = 0;
    let n = 0;
    const list: number[] = [];
    stack[sp++] = start;
    seen[start] = 1;
    let x0 = w;
    let y0 = h;
    let x1 = -1;
    let y1 = -1;
    while (sp > 0) {
      const p = stack[--sp]!;
      list.push(p);
      n++;
      const px = p % w;
      const py = (p - px) / w;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
      for (let y = Math.max(0, py - 1); y <= Math.min(h - 1, py + 1); y++) {
        for (let x = Math.max(0, px - 1); x <= Math.min(w - 1, px + 1); x++) {
          const q = y * w + x;
          if (mask[q] !== 0 && seen[q] === 0) {
            seen[q] = 1;
            stack[sp++] = q;
          }
        }
      }
    }
    regions.push({ pixels: Int32Array.from(list), x0, y0, x1: x1 + 1, y1: y1 + 1 });
  }
  return regions;
}

/** The region's own pixels and its ring (unflagged pixels within RING of its box), subsampled to MAX_SAMPLES each. */
function samplesOf(r: Region, mask: Uint8Array, w: number, h: number): { inner: Int32Array; ring: Int32Array } {
  const ring: number[] = [];
  const rx0 = Math.max(0, r.x0 - RING);
  const ry0 = Math.max(0, r.y0 - RING);
  const rx1 = Math.min(w, r.x1 + RING);
  const ry1 = Math.min(h, r.y1 + RING);
  for (let y = ry0; y < ry1; y++) for (let x = rx0; x < rx1; x++) if (mask[y * w + x] === 0) ring.push(y * w + x);
  return { inner: thin(r.pixels), ring: thin(Int32Array.from(ring)) };
}

function thin(list: Int32Array): Int32Array {
  if (list.length <= MAX_SAMPLES) return list;
  const out = new Int32Array(MAX_SAMPLES);
  for (let i = 0; i < MAX_SAMPLES; i++) out[i] = list[Math.floor((i * list.length) / MAX_SAMPLES)]!;
  return out;
}

/**
 * The centre's departure from neighbour `n` displaced by (dx, dy): the mean of centre - neighbour over the
 * region, less the same mean over its ring (the local brightness offset). NaN when the displaced region
 * leaves the frame. With `cost`, also the ring-and-region mean absolute difference used to find the match.
 */
function departure(centre: Float32Array, n: Float32Array, s: { inner: Int32Array; ring: Int32Array }, w: number, h: number, dx: number, dy: number): { d: number; cost: number } {
  const ok = (p: number) => {
    const x = (p % w) + dx;
    const y = (p - (p % w)) / w + dy;
    return x >= 0 && x < w && y >= 0 && y < h;
  };
  // The median, not the mean: something passing through part of the ring must not set the offset.
  const diffs = offsetScratch.length >= s.ring.length ? offsetScratch : (offsetScratch = new Float64Array(s.ring.length));
  let ringN = 0;
  for (const p of s.ring) if (ok(p)) diffs[ringN++] = centre[p]! - n[p + dy * w + dx]!;
  const off = ringN ? median(diffs.subarray(0, ringN)) : 0;
  let sum = 0;
  let inside = 0;
  let abs = 0;
  let count = 0;
  for (const p of s.inner) {
    if (!ok(p)) continue;
    const e = centre[p]! - n[p + dy * w + dx]! - off;
    sum += e;
    inside++;
    abs += Math.abs(e);
    count++;
  }
  // A region mostly pushed out of the frame by the displacement has nothing to compare.
  if (inside === 0 || inside < s.inner.length / 2) return { d: NaN, cost: Infinity };
  for (let i = 0; i < ringN; i++) {
    abs += Math.abs(diffs[i]! - off);
    count++;
  }
  return { d: sum / inside, cost: abs / count };
}

let offsetScratch = new Float64Array(0);

/** Median of `a`, sorting it in place. */
function median(a: Float64Array): number {
  a.sort();
  const m = a.length >> 1;
  return a.length & 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Best displacement within `reach` of (vx, vy) and of (0, 0) by the region-and-ring cost, coarse then fine. */
function bestMatch(centre: Float32Array, n: Float32Array, s: { inner: Int32Array; ring: Int32Array }, w: number, h: number, vx: number, vy: number, reach: number): { dx: number; dy: number; d: number } {
  const x0 = Math.floor(Math.min(0, vx) - reach);
  const x1 = Math.ceil(Math.max(0, vx) + reach);
  const y0 = Math.floor(Math.min(0, vy) - reach);
  const y1 = Math.ceil(Math.max(0, vy) + reach);
  const step = reach > 6 ? 2 : 1;
  let best = { dx: Math.round(vx), dy: Math.round(vy), d: NaN, cost: Infinity };
  const tryAt = (dx: number, dy: number) => {
    const r = departure(centre, n, s, w, h, dx, dy);
    if (r.cost < best.cost) best = { dx, dy, d: r.d, cost: r.cost };
  };
  for (let dy = y0; dy <= y1; dy += step) for (let dx = x0; dx <= x1; dx += step) tryAt(dx, dy);
  if (step > 1) {
    const { dx: cx, dy: cy } = best;
    for (let dy = cy - 1; dy <= cy + 1; dy++) for (let dx = cx - 1; dx <= cx + 1; dx++) tryAt(dx, dy);
  }
  return best;
}

function judge(
  r: Region,
  centre: Float32Array,
  witnesses: readonly Witness[],
  mask: Uint8Array,
  w: number,
  h: number,
  reach: number,
  unit: number,
  prob: Float32Array | null,
  v: Float64Array,
): GateVerdict {
  if (alongEdge(r, w, h)) return 'border';
  const s = samplesOf(r, mask, w, h);
  const centreMean = mean(centre, s.inner);
  const contrast = Math.abs(centreMean - mean(centre, s.ring));
  if (witnesses.length === 0) return keptAlone(r, s, contrast, prob, unit) ? 'damage' : 'no-witness';

  const cx = Math.min(w - 1, (r.x0 + r.x1) >> 1);
  const cy = Math.min(h - 1, (r.y0 + r.y1) >> 1);
  const line = isLine(r, unit);

  // Per witness: what it shows under the region at the camera's vector (in the centre's brightness), and
  // whether the region's content is found in it nearby, still in place, or moved with the picture.
  const aligned: number[] = [];
  const views: (AlignedView | null)[] = [];
  let found = 0;
  let stillInFrame = 0;
  let cannotTell = 0;
  for (const wit of witnesses) {
    vectorAt(wit.sampler, Math.min(wit.sampler.width - 1, Math.floor(cx / wit.scale)), Math.min(wit.sampler.height - 1, Math.floor(cy / wit.scale)), v);
    const vx = v[0]! * wit.scale;
    const vy = v[1]! * wit.scale;
    const atCamera = departure(centre, wit.luma, s, w, h, Math.round(vx), Math.round(vy));
    aligned.push(Number.isNaN(atCamera.d) ? NaN : centreMean - atCamera.d);
    views.push(Number.isNaN(atCamera.d) ? null : alignedView(centre, wit.luma, s, w, h, Math.round(vx), Math.round(vy)));
    const sideways = Math.abs(vx) >= LINE_MIN_SHIFT * Math.max(1, unit);
    const match = bestMatch(centre, wit.luma, s, w, h, vx, vy, reach * Math.abs(wit.offset));
    // Where the camera's vector leaves the frame there is no departure to compare a match with.
    if (Number.isNaN(match.d) || Number.isNaN(atCamera.d)) continue;
    // Found: matched well somewhere, or hardly departing at the camera's vector already (it is there).
    const inPlace = Math.abs(atCamera.d) < WEAK_DEPARTURE;
    if (!inPlace && Math.abs(match.d) > Math.max(GRAIN_FLOOR, PRESENT_RATIO * Math.abs(atCamera.d))) continue;
    if (!line) found++;
    // A line's place tells only where the picture moved sideways: a vertical line looks the same moved along itself.
    else if (sideways) Math.abs(match.dx) <= 2 ? stillInFrame++ : found++;
    else cannotTell++;
  }

  if (line) {
    // A line that stays in the frame while the picture moves sideways under it is a scratch; one that moves
    // with the picture is picture. With no sideways motion only its look can tell: a tall thin ridge.
    if (stillInFrame > 0 && stillInFrame >= found) return 'scratch';
    if (found === 0 && cannotTell > 0) return scratchShaped(r, centre, w, h) ? 'scratch' : 'static-line';
  }
  // Found in two neighbours (or the only one): picture that moved on its own. One chance look-alike is not enough.
  if (found >= Math.min(2, witnesses.length)) return 'present';

  // Damage needs two neighbours that agree with each other under the region while the centre departs from
  // both the same way. Any such pair will do: one of the others may hold damage of its own there.
  let weak = true;
  for (let i = 0; i < aligned.length; i++) {
    for (let j = i + 1; j < aligned.length; j++) {
      const a = aligned[i]!;
      const b = aligned[j]!;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      const da = centreMean - a;
      const db = centreMean - b;
      const dep = Math.min(Math.abs(da), Math.abs(db));
      if (dep < WEAK_DEPARTURE || Math.sign(da) !== Math.sign(db)) continue;
      weak = false;
      if (pairAgrees(views[i]!, views[j]!, dep, Math.max(witnesses[i]!.noise, witnesses[j]!.noise))) return 'damage';
    }
  }
  if (aligned.length === 1) {
    const a = aligned[0]!;
    if (Number.isNaN(a) || Math.abs(centreMean - a) < WEAK_DEPARTURE) return 'weak';
    // One witness cannot be checked by a second: the segmenter must be sure as well.
    return meanProb(prob, s.inner) >= ALONE_PROB ? 'damage' : 'no-witness';
  }
  return weak ? 'weak' : 'disagree';
}

/** A neighbour's pixels under the region and its ring, at the camera's vector, in the centre's brightness. */
interface AlignedView {
  inner: Float64Array;
  ring: Float64Array;
}

function alignedView(centre: Float32Array, n: Float32Array, s: { inner: Int32Array; ring: Int32Array }, w: number, h: number, dx: number, dy: number): AlignedView {
  const read = (list: Int32Array) => {
    const out = new Float64Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      const x = (p % w) + dx;
      const y = (p - (p % w)) / w + dy;
      out[i] = x >= 0 && x < w && y >= 0 && y < h ? n[y * w + x]! : NaN;
    }
    return out;
  };
  const inner = read(s.inner);
  const ring = read(s.ring);
  const diffs = Float64Array.from(s.ring, (p, i) => centre[p]! - ring[i]!).filter((d) => !Number.isNaN(d));
  const off = diffs.length ? median(diffs) : 0;
  for (let i = 0; i < inner.length; i++) inner[i] = inner[i]! + off;
  for (let i = 0; i < ring.length; i++) ring[i] = ring[i]! + off;
  return { inner, ring };
}

/**
 * Two aligned neighbours agree under the region when they differ there, pixel by pixel, no more than they
 * differ on its ring (grain and alignment error) plus a quarter of the centre's departure. Pixel by pixel:
 * something covering different halves of the region in the two would still agree on average.
 */
function pairAgrees(a: AlignedView, b: AlignedView, departure: number, noise: number): boolean {
  const mad = (x: Float64Array, y: Float64Array) => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      if (Number.isNaN(d)) continue;
      sum += d;
      n++;
    }
    return n ? sum / n : NaN;
  };
  const inner = mad(a.inner, b.inner);
  const ring = mad(a.ring, b.ring);
  if (Number.isNaN(inner)) return false;
  // The ring's own difference stands for grain, unless something disturbs the ring too: then the frame's.
  const grain = Number.isNaN(ring) ? noise : Math.min(ring, noise);
  return inner - grain <= Math.max(GRAIN_FLOOR, AGREE_RATIO * departure);
}

/**
 * A band along the frame's edge: the gate's edge, a black or bright border, the edge of the scan window.
 * They flicker and weave with the film, so the neighbours never confirm them, yet they are not damage.
 */
function alongEdge(r: Region, w: number, h: number): boolean {
  const bw = r.x1 - r.x0;
  const bh = r.y1 - r.y0;
  const vertical = (r.x0 === 0 || r.x1 === w) && bh >= EDGE_ELONGATION * bw;
  const horizontal = (r.y0 === 0 || r.y1 === h) && bw >= EDGE_ELONGATION * bh;
  return vertical || horizontal;
}

/** Thin, tall and near vertical: how line scratches look (a hair is curved and short). */
function isLine(r: Region, unit: number): boolean {
  const height = r.y1 - r.y0;
  const width = r.pixels.length / height;
  return width <= LINE_WIDTH * Math.max(1, unit) && height >= LINE_HEIGHT * Math.max(1, unit) && height >= LINE_ELONGATION * width;
}

/**
 * The look of a line scratch where motion cannot tell: a ridge or valley (the picture just left and just
 * right of it about equal, unlike a door frame's or a wall's edge) on most of its rows, running through
 * much of the frame's height.
 */
function scratchShaped(r: Region, centre: Float32Array, w: number, h: number): boolean {
  const rows = r.y1 - r.y0;
  if (rows < SCRATCH_MIN_HEIGHT * h) return false;
  const lo = new Int32Array(rows).fill(w);
  const hi = new Int32Array(rows).fill(-1);
  const sum = new Float64Array(rows);
  const n = new Int32Array(rows);
  for (const p of r.pixels) {
    const x = p % w;
    const i = (p - x) / w - r.y0;
    if (x < lo[i]!) lo[i] = x;
    if (x > hi[i]!) hi[i] = x;
    sum[i] = sum[i]! + centre[p]!;
    n[i] = n[i]! + 1;
  }
  let ridge = 0;
  let counted = 0;
  for (let i = 0; i < rows; i++) {
    const xl = lo[i]! - RIDGE_GAP;
    const xr = hi[i]! + RIDGE_GAP;
    if (n[i] === 0 || xl < 0 || xr >= w) continue;
    const row = (r.y0 + i) * w;
    const left = centre[row + xl]!;
    const right = centre[row + xr]!;
    counted++;
    if (Math.abs(left - right) <= Math.abs(sum[i]! / n[i]! - (left + right) / 2)) ridge++;
  }
  return counted > 0 && ridge >= RIDGE_ROWS * counted;
}

function keptAlone(r: Region, s: { inner: Int32Array }, contrast: number, prob: Float32Array | null, unit: number): boolean {
  const side = Math.max(8, ALONE_MAX_SIDE * unit);
  return r.pixels.length <= side * side && contrast >= ALONE_CONTRAST && meanProb(prob, s.inner) >= ALONE_PROB;
}

function mean(a: Float32Array, idx: Int32Array): number {
  let s = 0;
  for (const p of idx) s += a[p]!;
  return idx.length ? s / idx.length : 0;
}

function meanProb(prob: Float32Array | null, idx: Int32Array): number {
  return prob ? mean(prob, idx) : 0;
}
