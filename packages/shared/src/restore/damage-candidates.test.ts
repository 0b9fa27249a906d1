import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { candidateCells, type CandidateOptions } from './damage-candidates.js';

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
