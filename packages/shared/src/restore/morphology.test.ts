import { describe, expect, it } from 'vitest';
import { countMask, dilateMask, growHysteresis, labelComponents, removeSmallComponents } from './morphology.js';

const w = 11;
const h = 9;
const at = (x: number, y: number): number => y * w + x;

describe('dilateMask', () => {
  const single = new Uint8Array(w * h);
  single[at(5, 4)] = 1;

  it('grows a square and a disc of radius r', () => {
    const sq = dilateMask(single, w, h, 2, 'square');
    expect(countMask(sq)).toBe(25);
    expect(sq[at(3, 2)]).toBe(255);
    const disc = dilateMask(single, w, h, 2, 'disc');
    expect(countMask(disc)).toBe(13);
    expect(disc[at(3, 2)]).toBe(0);
    expect(disc[at(5, 2)]).toBe(255);
    expect(disc[at(4, 3)]).toBe(255);
  });

  it('grows every scattered pixel by the full box, whatever the radius and however near the borders', () => {
    // Against the definition, pixel by pixel: flagged when any flagged pixel lies within r on both axes.
    const [W, H] = [37, 23];
    let seed = 7;
    const m = new Uint8Array(W * H).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) % 29 === 0 ? 1 : 0));
    for (const r of [1, 2, 5, 12, 30]) {
      const sq = dilateMask(m, W, H, r, 'square');
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let near = false;
          for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r) && !near; yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) near ||= m[yy * W + xx] !== 0;
          expect(sq[y * W + x], `r ${r} at ${x},${y}`).toBe(near ? 255 : 0);
        }
      }
    }
  });

  it('clips at the borders and normalises to 255 with r = 0', () => {
    const corner = new Uint8Array(w * h);
    corner[0] = 7;
    expect(countMask(dilateMask(corner, w, h, 1, 'square'))).toBe(4);
    expect(Array.from(dilateMask(corner, w, h, 0)).filter((v) => v === 255)).toHaveLength(1);
  });
});

describe('components', () => {
  it('labels 8-connected components and drops small ones', () => {
    const m = new Uint8Array(w * h);
    m[at(1, 1)] = 255;
    m[at(2, 2)] = 255; // diagonal: same component
    m[at(8, 6)] = 255; // alone
    const { count, areas } = labelComponents(m, w, h);
    expect(count).toBe(2);
    expect(Array.from(areas).slice(1).sort()).toEqual([1, 2]);
    const kept = removeSmallComponents(m, w, h, 2);
    expect(countMask(kept)).toBe(2);
    expect(kept[at(8, 6)]).toBe(0);
  });

  it('grows seeds through connected weak pixels only', () => {
    const seed = new Uint8Array(w * h);
    const weak = new Uint8Array(w * h);
    seed[at(2, 2)] = 255;
    for (let x = 2; x < 6; x++) weak[at(x, 2)] = 255;
    weak[at(8, 2)] = 255; // not connected
    const g = growHysteresis(seed, weak, w, h);
    expect(countMask(g)).toBe(4);
    expect(g[at(8, 2)]).toBe(0);
  });
});
