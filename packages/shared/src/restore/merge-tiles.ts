/**
 * Merging the cascade's network tiles. Every tile carries `margin` pixels of context on each side of the
 * cells it is trusted for, and the network's cost follows the pixels it is fed (about the same per pixel
 * from 80x80 to 256x256 tiles). A lone 32 px cell costs 80x80 for 32x32 trusted: cells a cell or two
 * apart, or in one column (a scratch), pay for the same context twice. Two tiles become one whenever the
 * rectangle around both costs less than the two apart; the merged tile is still trusted only for its
 * parts' cells, so the cells the network decides stay exactly the cascade's.
 */
import type { TileRect } from './tile-rect.js';

/** Output pixels [x0, x1) x [y0, y1) a tile is trusted for. */
export interface KeepRect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * A network call's input rectangle and the bounding box of the pixels it is trusted for; `parts`, when
 * present, are the trusted rectangles themselves (a merged tile is not trusted between them).
 */
export interface MergedTile extends TileRect {
  parts?: readonly KeepRect[];
}

export interface MergeOptions {
  /** Context each side of the trusted pixels (a multiple of 4, like the trusted rectangles' edges). */
  margin: number;
  /**
   * What one more network call costs, in fed pixels: measured 0.4 ms per call against 0.45 ms per 1000
   * pixels on one 2K core, so about a thousand pixels.
   */
  callCost?: number;
  /**
   * Most pixels a merged tile's input may have. onnxruntime keeps the memory of the largest call it has
   * run (at 4K, 320 x 320 tiles added 60 MB to a worker's peak), and past about 300 x 300 the network
   * gets slower per pixel (0.49 ms per 1000 pixels at 256 x 256, 0.56 at 512 x 512). The default is the
   * largest tile the cascade makes unmerged: 8 x 4 cells with their margins.
   */
  maxArea?: number;
}

/** The trusted rectangles of a tile. */
export function keepRects(t: MergedTile): readonly KeepRect[] {
  return t.parts ?? [{ x0: t.keepX0, x1: t.keepX1, y0: t.keepY0, y1: t.keepY1 }];
}

interface Group {
  parts: KeepRect[];
  box: KeepRect;
  /** Input pixels plus the call's cost. */
  cost: number;
  alive: boolean;
}

/**
 * Greedy: the pair whose merge saves most is merged first, until no merge saves anything. Tiles that
 * cannot save by merging are far apart, so only pairs whose inputs are within a margin of each other are
 * ever compared.
 */
export function mergeTiles(tiles: readonly TileRect[], W: number, H: number, o: MergeOptions): MergedTile[] {
  const callCost = o.callCost ?? 1000;
  const m = o.margin;
  const maxArea = o.maxArea ?? (8 * 32 + 2 * m) * (4 * 32 + 2 * m);
  const inputOf = (b: KeepRect) => {
    const x = Math.max(0, b.x0 - m);
    const y = Math.max(0, b.y0 - m);
    return { x, y, w: Math.min(W, b.x1 + m) - x, h: Math.min(H, b.y1 + m) - y };
  };
  const costOf = (b: KeepRect) => {
    const r = inputOf(b);
    return r.w * r.h + callCost;
  };
  const union = (a: KeepRect, b: KeepRect): KeepRect => ({ x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1), y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1) });
  const fits = (b: KeepRect) => {
    const r = inputOf(b);
    return r.w * r.h <= maxArea;
  };
  const groups: Group[] = tiles.map((t) => {
    const box = { x0: t.keepX0, x1: t.keepX1, y0: t.keepY0, y1: t.keepY1 };
    return { parts: [box], box, cost: costOf(box), alive: true };
  });
  // Inputs further apart than this never pay for the pixels between them.
  const near = (a: KeepRect, b: KeepRect) => a.x0 - b.x1 <= 2 * m + 32 && b.x0 - a.x1 <= 2 * m + 32 && a.y0 - b.y1 <= 2 * m + 32 && b.y0 - a.y1 <= 2 * m + 32;
  const saving = (a: Group, b: Group): number => {
    if (!near(a.box, b.box)) return 0;
    const box = union(a.box, b.box);
    return fits(box) ? a.cost + b.cost - costOf(box) : 0;
  };
  // Candidate pairs and what merging them saves; a merged group is re-scored against all others.
  const pairs = new Map<number, Map<number, number>>();
  const setPair = (i: number, j: number, s: number) => {
    const [a, b] = i < j ? [i, j] : [j, i];
    let row = pairs.get(a);
    if (s <= 0) {
      row?.delete(b);
      return;
    }
    if (!row) pairs.set(a, (row = new Map()));
    row.set(b, s);
  };
  for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) setPair(i, j, saving(groups[i]!, groups[j]!));
  for (;;) {
    let best = 0;
    let bi = -1;
    let bj = -1;
    for (const [i, row] of pairs) {
      for (const [j, s] of row) {
        if (s > best) {
          best = s;
          bi = i;
          bj = j;
        }
      }
    }
    if (bi < 0) break;
    const a = groups[bi]!;
    const b = groups[bj]!;
    a.parts.push(...b.parts);
    a.box = union(a.box, b.box);
    a.cost = costOf(a.box);
    b.alive = false;
    pairs.delete(bj);
    for (const row of pairs.values()) row.delete(bj);
    for (let k = 0; k < groups.length; k++) if (k !== bi && groups[k]!.alive) setPair(bi, k, saving(a, groups[k]!));
  }
  return groups
    .filter((g) => g.alive)
    .map((g) => {
      const r = inputOf(g.box);
      const t: MergedTile = { ...r, keepX0: g.box.x0, keepX1: g.box.x1, keepY0: g.box.y0, keepY1: g.box.y1 };
      return g.parts.length > 1 ? { ...t, parts: g.parts } : t;
    });
}
