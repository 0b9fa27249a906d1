import { describe, expect, it } from 'vitest';
import { texturedPicture } from './textured-picture.testkit.js';
import { alignWindow, readAlignedTile } from './align-window.js';

const W = 200;
const H = 150;

/** The test picture seen from camera position (cx, cy) with fresh grain; `pattern` 1 is another picture. */
const picture = (cx: number, cy: number, seed: number, pattern: 0 | 1 = 0) => texturedPicture({ width: W, height: H, cx, cy, seed, grain: 0.01, pattern });

const medianAbs = (a: Float32Array, b: Float32Array) => {
  const d = Float64Array.from(a, (v, i) => Math.abs(v - b[i]!)).sort();
  return d[d.length >> 1]!;
};

describe('alignWindow', () => {
  it('aligns a panning, flickering window onto the centre: the aligned planes differ from it by grain only', () => {
    const frames = [-2, -1, 0, 1, 2].map((k) => {
      const f = picture(30 + 3 * k, 20 + k, 10 + k);
      for (let i = 0; i < f.length; i++) f[i] = f[i]! + 0.02 * k;
      return f;
    });
    const al = alignWindow(frames, W, H);
    expect(al.neighbours.map((n) => n.offset)).toEqual([-1, 1, -2, 2]);
    const planes = new Float32Array(5 * W * H);
    readAlignedTile(al, 2, 0, 0, W, H, planes, 0);
    const centre = planes.subarray(2 * W * H, 3 * W * H);
    for (const k of [0, 1, 3, 4]) {
      const p = planes.subarray(k * W * H, (k + 1) * W * H);
      // Raw, the neighbours differ by the texture's whole swing; aligned and brightness-matched, by grain.
      expect(medianAbs(centre, p)).toBeLessThan(0.02);
      expect(medianAbs(centre, frames[k]!)).toBeGreaterThan(0.03);
    }
  });

  it('leaves out a repeat of the centre and a neighbour that shows another picture, and mirrors the slots they leave', () => {
    const frames = [-2, -1, 0, 1, 2].map((k) => picture(30 + 2 * k, 20, 40 + k));
    frames[3] = frames[2]!.slice();
    frames[0] = picture(0, 0, 77, 1);
    const al = alignWindow(frames, W, H);
    expect(al.repeats).toEqual([1]);
    expect(al.jumps).toEqual([-2]);
    expect(al.neighbours.map((n) => n.offset)).toEqual([-1, 2]);
    const planes = new Float32Array(5 * 16 * 16);
    readAlignedTile(al, 2, 50, 50, 16, 16, planes, 0);
    const plane = (k: number) => planes.subarray(k * 256, (k + 1) * 256);
    // Slot -2 takes +2 (mirrored), slot +1 takes -1.
    expect(Array.from(plane(0))).toEqual(Array.from(plane(4)));
    expect(Array.from(plane(3))).toEqual(Array.from(plane(1)));
  });

  it('with no usable neighbour, every slot is the centre', () => {
    const c = picture(0, 0, 5);
    const al = alignWindow([null, null, c, null, null], W, H);
    expect(al.neighbours).toEqual([]);
    const planes = new Float32Array(5 * 8 * 8);
    readAlignedTile(al, 2, 0, 0, 8, 8, planes, 0);
    for (let k = 0; k < 5; k++) expect(Array.from(planes.subarray(k * 64, (k + 1) * 64))).toEqual(Array.from(planes.subarray(128, 192)));
  });
});
