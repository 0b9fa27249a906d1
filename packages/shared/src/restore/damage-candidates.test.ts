import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { candidateCells, cascadePlane, type CandidateOptions } from './damage-candidates.js';
import { minMax3x3 } from './spike-detect.js';

const W = 256;
const H = 192;
const opts: CandidateOptions = { cell: 32, spike: 0.05, line: 0.03, halvings: 0 };

/** A smooth gradient picture with grain of `sigma`, the same picture in every frame (a static shot). */
function grainyFrames(count: number, sigma: number, seed = 1): Float32Array[] {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: count }, () => {
    const f = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] = 0.3 + 0.3 * (x / W) + 0.1 * (y / H) + sigma * gauss();
    return f;
  });
}

function cellOf(x: number, y: number, cols: number, cell: number): number {
  return Math.floor(y / cell) * cols + Math.floor(x / cell);
}

describe('candidateCells', () => {
  it('selects the cell of a one-frame speck and almost nothing else on a clean grainy static shot', () => {
    const frames = grainyFrames(5, 0.01);
    const cur = frames[2]!;
    for (let y = 100; y < 103; y++) for (let x = 40; x < 43; x++) cur[y * W + x] = 0.05;
    const c = candidateCells(frames, W, H, opts);
    expect(c.selected[cellOf(41, 101, c.cols, c.cell)]).toBe(1);
    expect(c.count).toBeLessThanOrEqual(4);

    const clean = candidateCells(grainyFrames(5, 0.01, 2), W, H, opts);
    expect(clean.count).toBe(0);
  });

  it('selects both cells of a speck on a cell edge (reach)', () => {
    const frames = grainyFrames(3, 0.005);
    const cur = frames[1]!;
    // Columns 30 and 31 lie in the first cell; their neighbours in the second are within reach.
    for (let y = 50; y < 52; y++) for (let x = 30; x < 32; x++) cur[y * W + x] = 0.95;
    const c = candidateCells(frames, W, H, opts);
    expect(c.selected[cellOf(31, 50, c.cols, c.cell)]).toBe(1);
    expect(c.selected[cellOf(32, 50, c.cols, c.cell)]).toBe(1);
  });

  it('finds a line scratch present in every frame, which no temporal test can see', () => {
    const frames = grainyFrames(5, 0.01);
    for (const f of frames) for (let y = 0; y < H; y++) f[y * W + 150] = f[y * W + 150]! + 0.12;
    const c = candidateCells(frames, W, H, opts);
    for (let y = 0; y < H; y += c.cell) expect(c.selected[cellOf(150, y, c.cols, c.cell)]).toBe(1);
    // The scratch's own column of cells (and, by reach, none beyond the next), not the picture.
    expect(c.count).toBeLessThanOrEqual(2 * c.rows);
  });

  it('leaves a strong slanting picture line alone while finding a faint scratch (a row counts for at most a few times the threshold)', () => {
    const frames = grainyFrames(5, 0.01);
    for (const f of frames) {
      for (let y = 0; y < H; y++) {
        // A dark cable crossing the rows at a slant, the same in every frame (a still shot, or a pan along it).
        const x = Math.round(20 + 0.5 * y);
        for (const dx of [0, 1]) f[y * W + x + dx] = f[y * W + x + dx]! - 0.4;
        f[y * W + 200] = f[y * W + 200]! + 0.06;
      }
    }
    const c = candidateCells(frames, W, H, { ...opts, spike: 1e9 });
    for (let y = 0; y < H; y += c.cell) expect(c.selected[cellOf(200, y, c.cols, c.cell)]).toBe(1);
    let onCable = 0;
    for (let y = 0; y < H; y += 4) if (c.selected[cellOf(Math.round(20 + 0.5 * y), y, c.cols, c.cell)]) onCable++;
    expect(onCable).toBe(0);
  });

  it("compares where the camera took the picture: a textured pan selects the speck's cell, not the whole texture", () => {
    // Fine texture panning 3 px right and 1 down a frame: in the raw difference every edge of it jumps out.
    const rand = mulberry32(5);
    const texture = new Float32Array((W + 40) * (H + 40)).map(() => 0.2 + 0.6 * rand());
    const frame = (t: number) => {
      const f = new Float32Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] = texture[(y + 20 - t) * (W + 40) + x + 20 - 3 * t]!;
      return f;
    };
    const frames = [-2, -1, 0, 1, 2].map(frame);
    for (let y = 100; y < 104; y++) for (let x = 60; x < 64; x++) frames[2]![y * W + x] = 0.99;
    const shifts = [-2, -1, 0, 1, 2].map((t) => [3 * t, t] as const);
    // The temporal test alone: the line test reads ridges in white noise's mean, with or without motion.
    const temporalOnly = { ...opts, line: 1 };
    const unshifted = candidateCells(frames, W, H, temporalOnly);
    const shifted = candidateCells(frames, W, H, temporalOnly, undefined, shifts);
    expect(unshifted.count).toBeGreaterThan(unshifted.selected.length / 2);
    expect(shifted.selected[cellOf(61, 101, shifted.cols, shifted.cell)]).toBe(1);
    expect(shifted.count).toBeLessThanOrEqual(4);
  });

  it('sees dust repeated on a duplicated neighbour through the pair two frames away', () => {
    const frames = grainyFrames(5, 0.01);
    for (const f of [frames[2]!, frames[3]!]) for (let y = 60; y < 63; y++) for (let x = 200; x < 203; x++) f[y * W + x] = 0.95;
    // The line test alone would also fire on a bright blob; switch it off to see the temporal test.
    const temporalOnly = { ...opts, line: 1 };
    expect(candidateCells(frames, W, H, temporalOnly).selected[cellOf(201, 61, Math.ceil(W / 32), 32)]).toBe(1);
    // With only the ±1 pair the duplicate hides it: the second pair is what catches it.
    expect(candidateCells(frames.slice(1, 4), W, H, temporalOnly).selected[cellOf(201, 61, Math.ceil(W / 32), 32)]).toBe(0);
  });

  it('tests at reduced size when asked, mapping cells back to full resolution', () => {
    const frames = grainyFrames(5, 0.02);
    const cur = frames[2]!;
    for (let y = 120; y < 126; y++) for (let x = 180; x < 186; x++) cur[y * W + x] = 0.0;
    const c = candidateCells(frames, W, H, { ...opts, halvings: 1 });
    expect(c.cols).toBe(W / 32);
    expect(c.selected[cellOf(183, 123, c.cols, c.cell)]).toBe(1);
    expect(c.count).toBeLessThanOrEqual(4);
  });
});

describe('candidateCells, exactly', () => {
  /** The temporal test as first written: a whole-frame 3x3 min/max filter of both frames of each pair. */
  function referenceSpikes(planes: Float32Array[], w: number, h: number, spike: number): Uint8Array {
    const hit = new Uint8Array(w * h);
    const c = planes.length >> 1;
    for (let k = 1; k <= c; k++) {
      const { lo, hi } = minMax3x3(planes[c - k]!, planes[c + k]!, w, h);
      for (let i = 0; i < hit.length; i++) {
        const v = planes[c]![i]!;
        if (v - hi[i]! > spike || lo[i]! - v > spike) hit[i] = 1;
      }
    }
    return hit;
  }

  it('selects the cells a whole-frame min/max filter would, speck by speck', () => {
    for (const seed of [3, 4, 5]) {
      const frames = grainyFrames(5, 0.03, seed);
      const rand = mulberry32(seed);
      for (let s = 0; s < 40; s++) {
        const f = frames[Math.floor(rand() * 5)]!;
        f[Math.floor(rand() * H) * W + Math.floor(rand() * W)] = rand();
      }
      // The line test off, a cell per pixel and no reach: the cells are the temporal test's pixels.
      const exact = { cell: 4, spike: 0.06, line: 1e9, halvings: 0, reach: 0 };
      const c = candidateCells(frames, W, H, exact);
      const want = referenceSpikes(frames, W, H, exact.spike);
      let wantCells = 0;
      let wrong = 0;
      const cells = new Uint8Array(c.selected.length);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (want[y * W + x]) cells[cellOf(x, y, c.cols, 4)] = 1;
      for (let i = 0; i < cells.length; i++) {
        wantCells += cells[i]!;
        if (cells[i] !== c.selected[i]) wrong++;
      }
      expect(wantCells).toBeGreaterThan(20);
      expect(wrong).toBe(0);
    }
  });

  /** The line test as first written, over whole planes, each row's ridge clipped to 3 times the threshold. */
  function referenceLines(planes: Float32Array[], w: number, h: number, line: number): Uint8Array {
    const n = w * h;
    const cur = new Float32Array(n);
    if (planes.length === 5) for (let i = 0; i < n; i++) cur[i] = (planes[0]![i]! + planes[1]![i]! + planes[2]![i]! + planes[3]![i]! + planes[4]![i]!) * (1 / 5);
    else {
      for (const p of planes) for (let i = 0; i < n; i++) cur[i] = cur[i]! + p[i]!;
      for (let i = 0; i < n; i++) cur[i] = cur[i]! * (1 / planes.length);
    }
    const contrast = new Float32Array(n);
    const ridge = new Float32Array(n);
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < w; x++) contrast[row + x] = cur[row + x]! - 0.5 * (cur[row + Math.max(0, x - 3)]! + cur[row + Math.min(w - 1, x + 3)]!);
      for (let x = 0; x < w; x++) {
        const c = contrast[row + x]!;
        const l = contrast[row + Math.max(0, x - 2)]!;
        const r = contrast[row + Math.min(w - 1, x + 2)]!;
        const bright = c - Math.max(l, r);
        const dark = Math.min(l, r) - c;
        ridge[row + x] = Math.max(-3 * line, Math.min(3 * line, bright > dark ? bright : -dark));
      }
    }
    const hit = new Uint8Array(n);
    const sum = new Float64Array(w);
    let lo = 0;
    let hi = 0;
    for (let y = 0; y < h; y++) {
      for (; hi < Math.min(h, y - 16 + 32); hi++) for (let x = 0; x < w; x++) sum[x] = sum[x]! + ridge[hi * w + x]!;
      for (; lo < Math.max(0, y - 16); lo++) for (let x = 0; x < w; x++) sum[x] = sum[x]! - ridge[lo * w + x]!;
      for (let x = 0; x < w; x++) if (Math.abs(sum[x]!) > line * (hi - lo)) hit[y * w + x] = 1;
    }
    return hit;
  }

  it('finds the pixels of faint lines a whole-plane line test finds, for five frames or three', () => {
    for (const count of [5, 3]) {
      const frames = grainyFrames(count, 0.02, 20 + count);
      for (const f of frames) for (let y = 30; y < 170; y++) for (const x of [60, 61, 140]) f[y * W + x] = f[y * W + x]! + (x === 140 ? -0.03 : 0.02);
      const exact = { cell: 4, spike: 1e9, line: 0.008, halvings: 0, reach: 0 };
      const c = candidateCells(frames, W, H, exact);
      const want = referenceLines(frames, W, H, exact.line);
      const cells = new Uint8Array(c.selected.length);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (want[y * W + x]) cells[cellOf(x, y, c.cols, 4)] = 1;
      let wrong = 0;
      let wanted = 0;
      for (let i = 0; i < cells.length; i++) {
        wanted += cells[i]!;
        if (cells[i] !== c.selected[i]) wrong++;
      }
      expect(wanted).toBeGreaterThan(50);
      expect(wrong).toBe(0);
    }
  });

  it('gives the same cells from test planes made beforehand', () => {
    const frames = grainyFrames(5, 0.02, 9);
    for (let y = 120; y < 126; y++) for (let x = 180; x < 186; x++) frames[2]![y * W + x] = 0.0;
    const o = { ...opts, halvings: 1 };
    const planes = frames.map((f) => cascadePlane(f, W, H, 1));
    expect(candidateCells(frames, W, H, o, planes)).toEqual(candidateCells(frames, W, H, o));
  });
});
