import { describe, expect, it } from 'vitest';
import { countSpikes, estimateAlignment } from './temporal-spikes.js';

const W = 96;
const H = 80;

/** Smooth deterministic texture on a canvas larger than the frame, so frames can be cut at shifted origins. */
function canvas(cw: number, ch: number, seed = 7): Float32Array {
  let s = seed;
  // Math.imul: a plain product loses the low bits this generator lives on, and the texture repeats.
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const noise = Float32Array.from({ length: cw * ch }, rnd);
  const out = new Float32Array(cw * ch);
  // 5x5 box blur: texture with structure at several pixels, like film content, not per-pixel noise.
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) {
      let sum = 0;
      let n = 0;
      for (let j = -2; j <= 2; j++)
        for (let i = -2; i <= 2; i++) {
          const yy = y + j;
          const xx = x + i;
          if (yy >= 0 && yy < ch && xx >= 0 && xx < cw) {
            sum += noise[yy * cw + xx]!;
            n++;
          }
        }
      out[y * cw + x] = 0.2 + 0.6 * (sum / n);
    }
  return out;
}

/** The W x H frame whose top-left is at (ox, oy) on the canvas, plus a global brightness offset. */
function cut(src: Float32Array, cw: number, ox: number, oy: number, brightness = 0): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = src[(y + oy) * cw + x + ox]! + brightness;
  return out;
}

function plant(frame: Float32Array, x0: number, y0: number, size: number, delta: number): Float32Array {
  const out = frame.slice();
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) out[y * W + x] = out[y * W + x]! + delta;
  return out;
}

const CW = W + 40;
const CH = H + 40;
const plate = canvas(CW, CH);

describe('estimateAlignment', () => {
  it('finds a global shift and brightness offset', () => {
    const centre = cut(plate, CW, 20, 20);
    const moving = cut(plate, CW, 25, 17, -0.08);
    // centre(x, y) = plate(x+20, y+20) = moving(x−5, y+3) + 0.08
    expect(estimateAlignment(centre, moving, W, H)).toMatchObject({ dx: -5, dy: 3 });
    expect(estimateAlignment(centre, moving, W, H).offset).toBeCloseTo(0.08, 1);
  });
});

describe('countSpikes', () => {
  it('counts a planted one-frame speck', () => {
    const f = cut(plate, CW, 20, 20);
    const speck = plant(f, 40, 30, 3, 0.3);
    const r = countSpikes([f, speck, f], W, H);
    expect(r.per_frame).toEqual([null, 9, null]);
    expect(r.total).toBe(9);
    // A dark speck counts too.
    expect(countSpikes([f, plant(f, 40, 30, 3, -0.3), f], W, H).total).toBe(9);
  });

  it('does not count a moving edge between globally shifted, flickering frames', () => {
    // A pan of 3 px per frame, plus a thin bright line that moves with the picture and a brightness flicker:
    // unaligned, the line would depart from both neighbours at its centre-frame position.
    const withLine = (src: Float32Array) => {
      const out = src.slice();
      for (let y = 0; y < CH; y++) for (let x = 60; x < 62; x++) out[y * CW + x] = 0.98;
      return out;
    };
    const p = withLine(plate);
    const frames = [cut(p, CW, 17, 20, 0.06), cut(p, CW, 20, 20), cut(p, CW, 23, 20, -0.06)];
    const r = countSpikes(frames, W, H);
    // centre(x) = prev(x + 3) = next(x − 3)
    expect(r.alignments[1]).toMatchObject({ prev: { dx: 3, dy: 0 }, next: { dx: -3, dy: 0 } });
    expect(r.total).toBe(0);
    // The case is a real test of the alignment: at rest and without the brightness match, the line spikes.
    const still = { dx: 0, dy: 0, offset: 0 };
    expect(countSpikes(frames, W, H, [null, { prev: still, next: still }, null]).total).toBeGreaterThan(0);
  });

  it('does not count a speck where the neighbours disagree', () => {
    const f = cut(plate, CW, 20, 20);
    // The next frame carries something at the same place (0.08 off the previous one): no persistence evidence.
    const r = countSpikes([f, plant(f, 40, 30, 3, 0.3), plant(f, 40, 30, 3, 0.08)], W, H);
    expect(r.total).toBe(0);
  });

  it('does not count the same speck after repainting, on the input alignment', () => {
    const f = cut(plate, CW, 20, 20);
    const before = countSpikes([f, plant(f, 40, 30, 3, 0.3), f], W, H);
    const after = countSpikes([f, f.slice(), f], W, H, before.alignments);
    expect(before.total).toBe(9);
    expect(after.total).toBe(0);
  });
});
