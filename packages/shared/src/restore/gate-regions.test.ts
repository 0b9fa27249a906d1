import { describe, expect, it } from 'vitest';
import { regionsOf, splitMixed } from './gate-regions.js';

const W = 80;
const H = 60;
const shape = { thickness: 6, length: 16, elongation: 5 };

function region(paint: (m: Uint8Array) => void) {
  const m = new Uint8Array(W * H);
  paint(m);
  const [r] = regionsOf(m, W, H, m.reduce((n, v) => n + (v ? 1 : 0), 0));
  return r!;
}
const line = (m: Uint8Array) => {
  for (let y = 2; y < 58; y++) m[y * W + 30] = 255;
};
const blob = (m: Uint8Array) => {
  for (let y = 20; y < 34; y++) for (let x = 31; x < 45; x++) m[y * W + x] = 255;
};

describe('splitMixed', () => {
  it('parts a line from the blob it runs along, keeping every pixel once', () => {
    const r = region((m) => {
      line(m);
      blob(m);
    });
    const parts = splitMixed(r, W, shape);
    // The line above and below the blob, and the blob (with the line's stretch beside it).
    expect(parts.length).toBe(3);
    const all = parts.flatMap((p) => [...p.pixels]).sort((a, b) => a - b);
    expect(all).toEqual([...r.pixels].sort((a, b) => a - b));
    const lines = parts.filter((p) => p.x1 - p.x0 === 1);
    expect(lines.map((p) => p.y1 - p.y0).sort((a, b) => a - b)).toEqual([18, 24]);
  });

  it('leaves a lone line, a lone blob and a short stub on a blob whole', () => {
    expect(splitMixed(region(line), W, shape)).toHaveLength(1);
    expect(splitMixed(region(blob), W, shape)).toHaveLength(1);
    const stub = region((m) => {
      blob(m);
      for (let y = 12; y < 20; y++) m[y * W + 35] = 255;
    });
    expect(splitMixed(stub, W, shape)).toEqual([stub]);
  });
});
