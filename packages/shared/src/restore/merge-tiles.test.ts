import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../synthetic/synthetic-clip.js';
import { keepRects, mergeTiles } from './merge-tiles.js';
import { cellTiles } from './unet-segment.js';

const cost = (tiles: readonly { w: number; h: number }[]) => tiles.reduce((s, t) => s + t.w * t.h, 0);

function cells(cols: number, rows: number, at: readonly (readonly [number, number])[]) {
  const selected = new Uint8Array(cols * rows);
  for (const [cx, cy] of at) selected[cy * cols + cx] = 1;
  return { cols, rows, cell: 32, selected, count: at.length };
}

/** Every selected cell's pixels are trusted by exactly one tile, with the margin inside its input. */
function expectCover(tiles: ReturnType<typeof mergeTiles>, c: ReturnType<typeof cells>, W: number, H: number, margin: number) {
  const seen = new Uint8Array(W * H);
  for (const t of tiles) {
    expect(t.x % 4).toBe(0);
    expect(t.y % 4).toBe(0);
    for (const k of keepRects(t)) {
      expect(k.x0 - t.x).toBeGreaterThanOrEqual(Math.min(margin, k.x0));
      expect(k.y0 - t.y).toBeGreaterThanOrEqual(Math.min(margin, k.y0));
      expect(t.x + t.w).toBeGreaterThanOrEqual(Math.min(W, k.x1 + margin));
      expect(t.y + t.h).toBeGreaterThanOrEqual(Math.min(H, k.y1 + margin));
      expect(t.x + t.w).toBeLessThanOrEqual(W);
      expect(t.y + t.h).toBeLessThanOrEqual(H);
      for (let y = k.y0; y < k.y1; y++) for (let x = k.x0; x < k.x1; x++) seen[y * W + x]!++;
    }
  }
  let wrong = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (seen[y * W + x] !== c.selected[Math.floor(y / 32) * c.cols + Math.floor(x / 32)]) wrong++;
  expect(wrong).toBe(0);
}

describe('mergeTiles', () => {
  it('merges cells that share context, keeps each cell trusted once, and feeds fewer pixels', () => {
    const W = 20 * 32 - 12;
    const H = 14 * 32;
    // A column (a scratch), two cells one apart, a lone far cell, and cells at the frame's edges.
    const at: [number, number][] = [];
    for (let y = 1; y < 13; y++) at.push([5, y]);
    at.push([10, 3], [12, 3], [17, 10], [0, 0], [19, 13], [19, 12]);
    const c = cells(20, 14, at);
    const before = cellTiles(c, W, H, 24);
    const tiles = mergeTiles(before, W, H, { margin: 24 });
    expectCover(tiles, c, W, H, 24);
    expect(cost(tiles)).toBeLessThan(cost(before));
    // The column's three stacked tiles become one call, and so does the pair one cell apart.
    expect(tiles.length).toBeLessThan(before.length);
    expect(tiles.filter((t) => keepRects(t).some((k) => k.x0 === 5 * 32))).toHaveLength(1);
    expect(tiles.filter((t) => keepRects(t).some((k) => k.x0 === 10 * 32 || k.x0 === 12 * 32))).toHaveLength(1);
    // Cells too far apart to share context stay apart.
    expect(tiles.find((t) => keepRects(t).some((k) => k.x0 === 17 * 32))!.w).toBe(32 + 48);
  });

  it('never merges past the largest area, and leaves a lone tile as it was', () => {
    const c = cells(30, 3, Array.from({ length: 30 }, (_, x) => [x, 1] as [number, number]));
    const tiles = mergeTiles(cellTiles(c, 960, 96, 24), 960, 96, { margin: 24, maxArea: 320 * 80 });
    expect(tiles.length).toBeGreaterThan(1);
    for (const t of tiles) expect(t.w * t.h).toBeLessThanOrEqual(320 * 80);
    expectCover(tiles, c, 960, 96, 24);
    const one = cellTiles(cells(4, 4, [[2, 2]]), 128, 128, 24);
    expect(mergeTiles(one, 128, 128, { margin: 24 })).toEqual(one);
  });

  it('covers random selections exactly, never at a higher cost', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rand = mulberry32(seed);
      const at: [number, number][] = [];
      for (let y = 0; y < 12; y++) for (let x = 0; x < 16; x++) if (rand() < 0.05 * seed) at.push([x, y]);
      const c = cells(16, 12, at);
      const W = 16 * 32 - 20;
      const H = 12 * 32 - 8;
      const before = cellTiles(c, W, H, 24);
      const tiles = mergeTiles(before, W, H, { margin: 24 });
      expectCover(tiles, c, W, H, 24);
      expect(cost(tiles) + 1000 * tiles.length).toBeLessThanOrEqual(cost(before) + 1000 * before.length);
    }
  });
});
