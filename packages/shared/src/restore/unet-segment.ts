/**
 * The learned damage segmenter around its network (models/segment-unet, trained by training/segmentation):
 * builds the network's input window from decoded frames, runs it over tiles of the cells the cascade picks
 * (bounded memory at 2K and 4K), at about 1K wide whatever the scan (the size it was trained at), and turns
 * the centre frame's damage probability, brought back to full size, into a mask
 * with hysteresis and dilation. Running the network is injected (`RunModel`), so this file is pure logic;
 * the compute task supplies an onnxruntime session.
 */
import { cancellationPoint } from '../workers/cancellation.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { candidateCells, cascadePlaneSize, type CandidateCells, type CandidateOptions } from './damage-candidates.js';
import { dilateMask, growHysteresis, removeSmallComponents } from './morphology.js';
import { gateDamage, type GateVerdict } from './temporal-gate.js';
import { alignWindow, readAlignedTile, withFurtherWitness, type WindowAlignment } from './align-window.js';
import { windowLevels } from './luma-levels.js';
import { keepRects, mergeTiles, type MergedTile } from './merge-tiles.js';
import { dilateDisc, hysteresisRegions } from './sparse-mask.js';

/** Input N x T x H x W luma in [0,1]; resolves to N x 1 x H x W damage probabilities. */
export type RunModel = (input: Float32Array, dims: readonly [number, number, number, number]) => Promise<Float32Array>;

/** Consecutive frames the shipped model reads; the centre one is segmented. */
export const UNET_WINDOW = 5;

/**
 * What a segmentation model reads: 'aligned' (the motion-compensated window, align-window.ts) or 'raw'
 * (consecutive frames as they are, the first models). Said by the JSON beside the model file
 * (model.onnx -> model.json, `{"input": "aligned"}`); a model without one reads raw frames.
 */
export function segmentModelInput(modelPath: string): 'raw' | 'aligned' {
  const side = modelPath.replace(/\.onnx$/i, '') + '.json';
  let cached = modelInputs.get(side);
  if (cached === undefined) {
    cached = existsSync(side) && (JSON.parse(readFileSync(side, 'utf8')) as { input?: string }).input === 'aligned' ? 'aligned' : 'raw';
    modelInputs.set(side, cached);
  }
  return cached;
}
const modelInputs = new Map<string, 'raw' | 'aligned'>();

/** The model versioned in the repo (models/segment-unet/model.onnx), used unless SEGMENT_MODEL names another. */
export function defaultSegmentModelPath(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..', 'models/segment-unet/model.onnx');
}

/** Tile origins are kept on this grid: the network pools twice, so shifts by 4 leave its output unchanged. */
export const UNET_GRID = 4;

/**
 * Context the cascade gives each run of cells, a multiple of UNET_GRID. The network's receptive field is
 * about ±25 px, but its far edge barely counts: at 16 px the probabilities stay within a thousandth of a
 * whole-frame run's, the unseen split's figures are those of 24 px (recall 0.790 against 0.789, the same
 * precision), the real clip changes 0.62 % of its pixels instead of 0.64 % with the same spike reduction,
 * and a 2K frame feeds the network a quarter fewer pixels. At 8 px recall falls (0.783).
 */
export const UNET_REACH = 16;

export interface UnetMaskOptions {
  /** Probability a pixel needs to seed a detection. */
  threshold: number;
  /** Probability a pixel needs to join a seeded detection (hysteresis); clamped to at most `threshold`. */
  lowThreshold: number;
  /** Pixels added around every detection. */
  dilate: number;
  /** Components smaller than this many seed pixels are dropped (default 1: keep all). */
  minArea?: number;
}

export interface UnetTileOptions {
  /** Tile side in pixels (a multiple of 4). */
  tile: number;
  /** Overlap of neighbouring tiles; each tile's outer overlap/2 pixels are discarded (a multiple of 4). */
  overlap: number;
  /** Tiles per network call. */
  batch?: number;
}

export interface UnetSegmentInput extends UnetMaskOptions, UnetTileOptions {
  width: number;
  height: number;
  /**
   * The cheap first stage; null or absent: the network sees the whole frame. Its cells are in the pixels
   * the network reads (about 1K wide: 2K scans halved once, 4K twice), as are the tile options.
   */
  cascade?: CandidateOptions | null;
  /** Pass the network's regions through the temporal gate (restore/temporal-gate.ts); default true. */
  gate?: boolean;
  /** The model reads the motion-compensated window (segmentModelInput says which a model file wants). */
  alignedInput?: boolean;
  /**
   * Luma (toLuma) of consecutive frames, the centre one is segmented; null where the shot has no frame
   * (mirrored in). Luma, not samples: each frame is converted once, not once per window it sits in.
   */
  lumas: (Float32Array | null)[];
  /**
   * The frames one past the window's ends (centre - half - 1 and centre + half + 1), null outside the shot.
   * Read by the gate only at a shot's first and last frame, where the window may hold one film frame to
   * compare with (withFurtherWitness); callers pass them there and may leave them out elsewhere.
   */
  further?: [Float32Array | null, Float32Array | null] | null;
}

/**
 * Which frame fills each slot of the window: a missing neighbour t+k is replaced by t-k (mirrored about the
 * centre), and by the centre itself when both are missing, as in training (training/segmentation/data.py).
 */
export function windowSources<T>(frames: readonly (T | null)[]): T[] {
  const c = frames.length >> 1;
  const centre = frames[c];
  if (!centre || frames.length % 2 === 0) throw new Error('the window needs an odd length and a centre frame');
  return frames.map((f, i) => f ?? frames[2 * c - i] ?? centre);
}

/**
 * Per window slot, the camera's typical vector from the centre to the frame in that slot (full-resolution
 * pixels): the neighbour's shift for the whole frame (AlignedNeighbour.shift), which a flat sky, a passing
 * figure or picture that repeats itself cannot sway. A
 * mirrored slot takes its frame's; the centre and a slot with no aligned neighbour (a repeat, a jump) none.
 */
export function slotShifts(al: WindowAlignment, frames: readonly unknown[]): [number, number][] {
  const c = frames.length >> 1;
  const byOffset = new Map(al.neighbours.map((n) => [n.offset, n]));
  return frames.map((f, i) => {
    const k = i - c;
    const n = byOffset.get(f ? k : frames[2 * c - i] ? -k : 0);
    return n ? n.shift : [0, 0];
  });
}

export interface AxisTile {
  /** First pixel fed to the network. */
  start: number;
  /** Pixels fed to the network. */
  len: number;
  /** The output pixels [keepFrom, keepTo) this tile is trusted for. */
  keepFrom: number;
  keepTo: number;
}

/**
 * Tiles along one axis: starts on the 4-pixel grid, each tile trusted up to the middle of its overlap
 * with the next, so every output pixel comes from a tile that saw at least overlap/2 pixels around it.
 */
export function planAxis(size: number, tile: number, overlap: number): AxisTile[] {
  if (size <= tile) return [{ start: 0, len: size, keepFrom: 0, keepTo: size }];
  const stride = Math.max(UNET_GRID, Math.floor((tile - overlap) / UNET_GRID) * UNET_GRID);
  const starts: number[] = [];
  for (let s = 0; s + tile < size; s += stride) starts.push(s);
  const last = Math.floor((size - tile) / UNET_GRID) * UNET_GRID;
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts.map((start, i) => {
    const next = starts[i + 1];
    const prevEnd = i > 0 ? Math.min(size, starts[i - 1]! + tile) : 0;
    const end = i === starts.length - 1 ? size : start + tile;
    const keepFrom = i === 0 ? 0 : Math.floor((start + prevEnd) / 2);
    const keepTo = next === undefined ? size : Math.floor((next + end) / 2);
    return { start, len: end - start, keepFrom, keepTo };
  });
}

/** One network call's input rectangle and the output pixels it is trusted for (merge-tiles.ts). */
export type NetTile = MergedTile;

/** Whole-frame tiling: every pixel comes from a tile that saw at least overlap/2 pixels around it. */
export function frameTiles(W: number, H: number, opts: UnetTileOptions): NetTile[] {
  const tiles: NetTile[] = [];
  for (const ty of planAxis(H, opts.tile, opts.overlap)) {
    for (const tx of planAxis(W, opts.tile, opts.overlap)) {
      tiles.push({ x: tx.start, y: ty.start, w: tx.len, h: ty.len, keepX0: tx.keepFrom, keepX1: tx.keepTo, keepY0: ty.keepFrom, keepY1: ty.keepTo });
    }
  }
  return tiles;
}

/**
 * Tiles for the cascade: each row of selected cells is cut into runs of at most `maxRun` neighbouring
 * cells, a run is stacked with the identical runs of up to `maxRows` - 1 rows below it, and each such block
 * becomes one tile with `margin` pixels of context around it (so its cells get the same values as a
 * whole-frame run when margin covers the network's reach). Stacking shares the margins between rows: on a
 * 2K film frame it cuts the pixels fed to the network by about a fifth against runs alone.
 */
export function cellTiles(cells: CandidateCells, W: number, H: number, margin: number, maxRun = 8, maxRows = 4): NetTile[] {
  const { cols, rows, cell, selected } = cells;
  const runs: { cx0: number; cx1: number }[][] = [];
  for (let cy = 0; cy < rows; cy++) {
    const row: { cx0: number; cx1: number }[] = [];
    for (let cx = 0; cx < cols; ) {
      if (selected[cy * cols + cx] === 0) {
        cx++;
        continue;
      }
      let end = cx + 1;
      while (end < cols && end - cx < maxRun && selected[cy * cols + end] !== 0) end++;
      row.push({ cx0: cx, cx1: end });
      cx = end;
    }
    runs.push(row);
  }
  const tiles: NetTile[] = [];
  for (let cy = 0; cy < rows; cy++) {
    for (const run of runs[cy]!) {
      let cy1 = cy + 1;
      while (cy1 < rows && cy1 - cy < maxRows) {
        const below = runs[cy1]!;
        const same = below.findIndex((r) => r.cx0 === run.cx0 && r.cx1 === run.cx1);
        if (same < 0) break;
        below.splice(same, 1);
        cy1++;
      }
      const keepX0 = run.cx0 * cell;
      const keepX1 = Math.min(W, run.cx1 * cell);
      const keepY0 = cy * cell;
      const keepY1 = Math.min(H, cy1 * cell);
      // Cell edges and the margin are multiples of 4, so tile origins stay on the network's grid.
      const x = Math.max(0, keepX0 - margin);
      const y = Math.max(0, keepY0 - margin);
      tiles.push({ x, y, w: Math.min(W, keepX1 + margin) - x, h: Math.min(H, keepY1 + margin) - y, keepX0, keepX1, keepY0, keepY1 });
    }
  }
  return tiles;
}

/** Writes a tile's T input planes (tile.w x tile.h each) into `out` from `at`. */
export type TileReader = (tile: NetTile, out: Float32Array, at: number) => void;

/** The raw window: each slot's luma plane as it is. */
export function rawReader(lumas: readonly Float32Array[], W: number): TileReader {
  return (tile, out, at) => {
    const plane = tile.w * tile.h;
    lumas.forEach((src, t) => {
      for (let y = 0; y < tile.h; y++) out.set(src.subarray((tile.y + y) * W + tile.x, (tile.y + y) * W + tile.x + tile.w), at + t * plane + y * tile.w);
    });
  };
}

/** The motion-compensated window (align-window.ts): what a model trained on aligned input reads. */
export function alignedReader(al: WindowAlignment, T: number): TileReader {
  return (tile, out, at) => readAlignedTile(al, T >> 1, tile.x, tile.y, tile.w, tile.h, out, at);
}

/**
 * Runs the network over `tiles` (T input planes each, from `read`) and writes each tile's trusted pixels
 * into `out` (w*h, left at 0 elsewhere). Tiles of one size are batched.
 */
export async function runTiles(
  read: TileReader,
  T: number,
  W: number,
  tiles: readonly NetTile[],
  run: RunModel,
  out: Float32Array,
  batch = 4,
): Promise<void> {
  const groups = new Map<string, NetTile[]>();
  for (const t of tiles) {
    const key = `${t.w}x${t.h}`;
    const g = groups.get(key) ?? [];
    g.push(t);
    groups.set(key, g);
  }
  // One input buffer for every call, sized for the largest: a frame's calls otherwise allocate (and leave
  // to the collector) about as much again as the frame's own probability map.
  let largest = 0;
  for (const group of groups.values()) largest = Math.max(largest, Math.min(batch, group.length) * T * group[0]!.w * group[0]!.h);
  const scratch = new Float32Array(largest);
  for (const group of groups.values()) {
    const { w: tw, h: th } = group[0]!;
    const plane = tw * th;
    for (let b = 0; b < group.length; b += batch) {
      const part = group.slice(b, b + batch);
      const input = scratch.subarray(0, part.length * T * plane);
      part.forEach((tile, n) => read(tile, input, n * T * plane));
      cancellationPoint();
      const prob = await run(input, [part.length, T, th, tw]);
      if (prob.length !== part.length * plane) throw new Error(`model returned ${prob.length} values for ${part.length} tiles of ${tw}x${th}`);
      part.forEach((tile, n) => {
        for (const k of keepRects(tile)) {
          for (let y = k.y0; y < k.y1; y++) {
            const src = n * plane + (y - tile.y) * tw - tile.x;
            out.set(prob.subarray(src + k.x0, src + k.x1), y * W + k.x0);
          }
        }
      });
    }
  }
}

/**
 * The centre frame's damage probability, w*h. With `cascade`, only the cells the cheap first stage selects
 * (it only has to be permissive) reach the network (probability 0 elsewhere); without, the whole frame is
 * tiled. Neighbouring cells' tiles are merged where that feeds the network fewer
 * pixels (merge-tiles.ts). With `aligned`, the network reads the motion-compensated window.
 * `cascadePlanes`: the window's test planes made beforehand (luma-levels.ts), slot for slot; `cascadeShifts`:
 * the camera's vector to each slot's frame (slotShifts), so the cascade compares where the picture went.
 */
export async function predictDamage(
  lumas: readonly Float32Array[],
  W: number,
  H: number,
  run: RunModel,
  opts: UnetTileOptions & { cascade?: CandidateOptions | null },
  aligned: WindowAlignment | null = null,
  cascadePlanes?: readonly Float32Array[],
  cascadeShifts?: readonly (readonly [number, number])[],
): Promise<{ prob: Float32Array; cells: CandidateCells | null }> {
  const out = new Float32Array(W * H);
  const cells = opts.cascade ? candidateCells(lumas, W, H, opts.cascade, cascadePlanes, cascadeShifts) : null;
  const tiles = cells ? mergeTiles(cellTiles(cells, W, H, UNET_REACH), W, H, { margin: UNET_REACH }) : frameTiles(W, H, opts);
  const read = aligned ? alignedReader(aligned, lumas.length) : rawReader(lumas, W);
  await runTiles(read, lumas.length, W, tiles, run, out, Math.max(1, opts.batch ?? 4));
  return { prob: out, cells };
}

/**
 * The centre frame's damage probability at full size, the network reading the window at the cascade's
 * reduced size (its `halvings`, else cascadeHalvings: about 1K wide) and its answer brought back up.
 * The network was trained on 1K frames (training/segmentation/make-train-set.ts): on a 2K scan read at
 * full size, specks and scratches are twice the size it learnt and the grain finer. Frames narrower than
 * about 1450 px (no halving) are read as they are. `planes`: the window's planes at `halvings`
 * (cascadePlane, slot for slot: the network's input when reduced, the cascade's test planes otherwise),
 * made beforehand or, when absent or of another length, here. The other arguments as for predictDamage,
 * which does the work; the cells come back in full-size pixels.
 */
export async function damageProbability(
  lumas: readonly Float32Array[],
  W: number,
  H: number,
  run: RunModel,
  opts: UnetTileOptions & { cascade?: CandidateOptions | null },
  aligned: WindowAlignment | null = null,
  planes?: readonly Float32Array[],
  shifts?: readonly (readonly [number, number])[],
): Promise<{ prob: Float32Array; cells: CandidateCells | null }> {
  const halvings = networkHalvings(opts, W);
  const { w, h, factor } = cascadePlaneSize(W, H, halvings);
  // The motion field's cells must hold whole reduced pixels (readAlignedTile): a frame only a few dozen
  // pixels high may be aligned at full size, and is then read at full size too.
  const whole = !aligned || aligned.neighbours.every((n) => n.scale % factor === 0);
  if (factor === 1 || !whole) return predictDamage(lumas, W, H, run, { ...opts, cascade: opts.cascade ? { ...opts.cascade, halvings } : null }, aligned, planes, shifts);
  const reduced = planes && planes.length === lumas.length ? planes : windowLevels(lumas, W, H, halvings, { cascade: true, motion: false }).map((l) => l!.cascade!);
  const c = lumas.length >> 1;
  const small = aligned ? reducedAlignment(aligned, (offset) => reduced[c + offset]!, w, h, factor) : null;
  const cascade = opts.cascade ? { ...opts.cascade, halvings: 0 } : null;
  const { prob, cells } = await predictDamage(reduced, w, h, run, { ...opts, cascade }, small, reduced, shifts?.map(([x, y]) => [x / factor, y / factor] as const));
  return { prob: enlarged(prob, w, h, W, H, factor, cells), cells: cells && enlargedCells(cells, W, H, factor) };
}

/** How many times the network's window is halved: the cascade's, else cascadeHalvings (about 1K wide). */
export function networkHalvings(opts: { cascade?: CandidateOptions | null }, width: number): number {
  return opts.cascade?.halvings ?? cascadeHalvings(width);
}

/**
 * The cells of a plane reduced by `factor`, in full-size pixels. Where rounding left the full frame a
 * column or row of cells more, it takes its neighbour's choice (enlarged repeats the last reduced pixels).
 */
function enlargedCells(cells: CandidateCells, W: number, H: number, factor: number): CandidateCells {
  const cell = cells.cell * factor;
  const cols = Math.ceil(W / cell);
  const rows = Math.ceil(H / cell);
  if (cols === cells.cols && rows === cells.rows) return { ...cells, cell };
  const selected = new Uint8Array(cols * rows);
  let count = 0;
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < cols; cx++) {
      const v = cells.selected[Math.min(cy, cells.rows - 1) * cells.cols + Math.min(cx, cells.cols - 1)]!;
      selected[cy * cols + cx] = v;
      count += v;
    }
  }
  return { cols, rows, cell, selected, count };
}

/**
 * The window's alignment for its planes reduced by `factor`: the same motion, in their pixels. For the
 * network's reader only (readAlignedTile): `noise` is still the full-size planes', so the gate must not
 * judge with it.
 */
function reducedAlignment(al: WindowAlignment, planeOf: (offset: number) => Float32Array, w: number, h: number, factor: number): WindowAlignment {
  return {
    ...al,
    width: w,
    height: h,
    centre: planeOf(0),
    neighbours: al.neighbours.map((n) => ({ ...n, luma: planeOf(n.offset), scale: n.scale / factor, shift: [n.shift[0] / factor, n.shift[1] / factor] })),
  };
}

/**
 * A w x h plane brought to W x H, `factor` times larger, bilinear; columns and rows past w * factor and
 * h * factor repeat the last ones. With `cells` (of the w x h plane), `src` is taken to be 0 outside the
 * selected cells, as the network leaves it: only the pixels within reach of a selected cell are
 * computed (the same values; the rest stay 0), a tenth of a 2K frame where the cascade picks a tenth.
 */
export function enlarged(src: Float32Array, w: number, h: number, W: number, H: number, factor: number, cells?: CandidateCells | null): Float32Array {
  const out = new Float32Array(W * H);
  const x0 = new Int32Array(W);
  const x1 = new Int32Array(W);
  const tx = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const f = Math.min(w - 1, Math.max(0, (x + 0.5) / factor - 0.5));
    x0[x] = Math.floor(f);
    x1[x] = Math.min(w - 1, x0[x]! + 1);
    tx[x] = f - x0[x]!;
  }
  const fill = (xa: number, xb: number, ya: number, yb: number) => {
    for (let y = ya; y < yb; y++) {
      const f = Math.min(h - 1, Math.max(0, (y + 0.5) / factor - 0.5));
      const r0 = Math.floor(f) * w;
      const r1 = Math.min(h - 1, Math.floor(f) + 1) * w;
      const ty = f - Math.floor(f);
      const row = y * W;
      for (let x = xa; x < xb; x++) {
        const a = src[r0 + x0[x]!]!;
        const b = src[r0 + x1[x]!]!;
        const top = a + tx[x]! * (b - a);
        const bottom = src[r1 + x0[x]!]! + tx[x]! * (src[r1 + x1[x]!]! - src[r1 + x0[x]!]!);
        out[row + x] = top + ty * (bottom - top);
      }
    }
  };
  if (!cells) {
    fill(0, W, 0, H);
    return out;
  }
  // A full-size pixel reads the two reduced pixels around it each way: a run of selected cells reaches one
  // reduced pixel past its edges (at the frame's end, past w * factor, where the edge repeats).
  const { cell, cols, rows, selected } = cells;
  const span = (c0: number, c1: number, N: number): [number, number] => [Math.max(0, (c0 * cell - 1) * factor), Math.min(N, (c1 * cell + 1) * factor)];
  for (let cy = 0; cy < rows; cy++) {
    const [ya, yb] = span(cy, cy + 1, H);
    for (let cx = 0; cx < cols; ) {
      if (!selected[cy * cols + cx]) {
        cx++;
        continue;
      }
      let end = cx + 1;
      while (end < cols && selected[cy * cols + end]) end++;
      const [xa, xb] = span(cx, end, W);
      fill(xa, xb, ya, yb);
      cx = end;
    }
  }
  return out;
}

/** The segmenter's settings as the service configures them (one place for the worker and the bench). */
export type UnetSettings = UnetMaskOptions & UnetTileOptions & { cascade: CandidateOptions | null; gate: boolean; alignedInput: boolean };

export function unetSettings(c: Config, width: number): UnetSettings {
  return {
    threshold: c.UNET_THRESHOLD,
    lowThreshold: c.UNET_LOW_THRESHOLD,
    dilate: c.UNET_DILATE,
    tile: c.UNET_TILE,
    overlap: c.UNET_OVERLAP,
    cascade: c.UNET_CASCADE
      ? { cell: c.UNET_CELL, spike: c.UNET_CASCADE_SPIKE, line: c.UNET_CASCADE_LINE, halvings: cascadeHalvings(width) }
      : null,
    gate: c.TEMPORAL_GATE,
    alignedInput: segmentModelInput(c.SEGMENT_MODEL ?? defaultSegmentModelPath()) === 'aligned',
  };
}

/**
 * The cascade tests at about 1K width whatever the scan size: each halving halves the grain and keeps the
 * specks (which grow with the scan), so one threshold serves 480p proxies and 4K scans alike.
 */
export function cascadeHalvings(width: number): number {
  return Math.max(0, Math.round(Math.log2(width / 1024)));
}

/** Probability map to mask: seeds above `threshold`, grown through pixels above `lowThreshold`, dilated. */
export function maskFromProbability(prob: Float32Array, w: number, h: number, o: UnetMaskOptions): Uint8Array {
  const seeds = new Uint8Array(w * h);
  const weak = new Uint8Array(w * h);
  const low = Math.min(o.lowThreshold, o.threshold);
  let any = false;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p >= low) {
      weak[i] = 255;
      if (p >= o.threshold) {
        seeds[i] = 255;
        any = true;
      }
    }
  }
  // A clean frame (the common case) needs no growth and no dilation.
  if (!any) return seeds;
  const kept = (o.minArea ?? 1) > 1 ? removeSmallComponents(seeds, w, h, o.minArea!) : seeds;
  return dilateMask(growHysteresis(kept, weak, w, h), w, h, o.dilate, 'disc');
}

/**
 * One frame: window, tiled network, regions, temporal gate, dilation. `damaged` counts flagged pixels;
 * `cellShare` is the share of the frame's cells the cascade sent to the network (1 without the cascade),
 * which is what its speed follows; `verdicts` counts the gate's verdicts on the network's regions.
 */
export async function segmentFrameUnet(
  input: UnetSegmentInput,
  run: RunModel,
): Promise<{ mask: Uint8Array; damaged: number; cellShare: number; verdicts: Record<GateVerdict, number> | null }> {
  const { width, height } = input;
  const needAlignment = input.alignedInput || input.gate !== false;
  // Each frame's reduced planes: stored with its luma by the worker's 'frame-luma' task, else made here once
  // for both the cascade and the alignment.
  const levels = windowLevels(input.lumas, width, height, networkHalvings(input, width), { cascade: true, motion: needAlignment });
  // Aligned on the real window: a mirrored neighbour is the same frame again and witnesses nothing.
  const alignment = needAlignment ? alignWindow(input.lumas, width, height, { small: levels.map((l) => l?.motion ?? null) }) : null;
  const planes = windowSources(levels).map((l) => l.cascade!);
  const shifts = alignment ? slotShifts(alignment, input.lumas) : undefined;
  const { prob, cells } = await damageProbability(windowSources(input.lumas), width, height, run, input, input.alignedInput ? alignment : null, planes, shifts);
  // maskFromProbability without dilation or minimum area, and dilateMask, in time with the flagged pixels.
  // Seeds lie in the selected cells only: the probability is 0 elsewhere (but for the pixel or two an
  // enlarged probability spills over, which growth from its cell reaches).
  const regions = (input.minArea ?? 1) > 1 ? maskFromProbability(prob, width, height, { ...input, dilate: 0 }) : hysteresisRegions(prob, width, height, input.threshold, input.lowThreshold, cells);
  const gated =
    input.gate === false
      ? null
      : gateDamage(regions, input.further ? withFurtherWitness(alignment!, input.further, input.lumas.length >> 1) : alignment!, { prob, probReduced: networkHalvings(input, width) > 0 });
  const { mask, count } = dilateDisc(gated ? gated.mask : regions, width, height, input.dilate);
  return { mask, damaged: count, cellShare: cells ? cells.count / cells.selected.length : 1, verdicts: gated?.verdicts ?? null };
}
