import { describe, expect, it } from 'vitest';
import { texturedPicture } from './textured-picture.testkit.js';
import { alignWindow, cameraVector, median, readAlignedTile, shrink, shrunkSize, withFurtherWitness } from './align-window.js';
import { downscale2 } from './luma.js';
import { mulberry32 } from '../synthetic/synthetic-clip.js';

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

  it("gives each neighbour the camera's move for the whole frame, to a fraction of a pixel", () => {
    const frames = [-2, -1, 0, 1, 2].map((k) => picture(30 + 3 * k, 20 - 2 * k, 10 + k));
    for (const n of alignWindow(frames, W, H).neighbours) {
      expect(n.shift[0], `neighbour ${n.offset}`).toBeCloseTo(-3 * n.offset, 0);
      expect(n.shift[1], `neighbour ${n.offset}`).toBeCloseTo(2 * n.offset, 0);
    }
  });

  it('estimates the camera on soft picture whose exposure flickers by a few percent, as old film does', () => {
    // Broad, soft shapes and grain: nearly flat to a block, so a brightness step of 0.03 outweighs a
    // wrong match and pulled the whole frame's vector to the edge of the search.
    const rand = mulberry32(3);
    const grain = () => 0.01 * (rand() + rand() + rand() - 1.5);
    const soft = (cx: number, cy: number, gain: number) => {
      const f = new Float32Array(W * H);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const u = x + cx;
          const v = y + cy;
          f[y * W + x] = 0.45 + 0.12 * Math.sin(u / 23) * Math.cos(v / 31) + 0.08 * Math.sin((u + v) / 17) + gain + grain();
        }
      }
      return f;
    };
    const frames = [-2, -1, 0, 1, 2].map((k) => soft(40 + 3 * k, 30 + 2 * k, k === 0 ? 0 : 0.03 * Math.sign(k) * (Math.abs(k) === 2 ? 1 : -1)));
    const al = alignWindow(frames, W, H);
    const v = new Float64Array(2);
    for (const n of al.neighbours) {
      cameraVector(n, W / 2, H / 2, v);
      expect([Math.round(v[0]!), Math.round(v[1]!)], `neighbour ${n.offset}`).toEqual([-3 * n.offset, -2 * n.offset]);
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

  it('fills a slot whose frame and mirror are both left out with the nearest neighbour, not the centre', () => {
    // The centre's twin at +1 and another picture at -1: slots -1 and +1 have neither frame. The centre
    // there would show its own damage as held by its neighbours.
    const frames = [-2, -1, 0, 1, 2].map((k) => picture(30 + 2 * k, 20, 50 + k));
    frames[3] = frames[2]!.slice();
    frames[1] = picture(0, 0, 78, 1);
    const al = alignWindow(frames, W, H);
    expect(al.neighbours.map((n) => n.offset)).toEqual([-2, 2]);
    const planes = new Float32Array(5 * 16 * 16);
    readAlignedTile(al, 2, 50, 50, 16, 16, planes, 0);
    const plane = (k: number) => Array.from(planes.subarray(k * 256, (k + 1) * 256));
    expect(plane(1)).toEqual(plane(0));
    expect(plane(3)).toEqual(plane(0));
    expect(plane(1)).not.toEqual(plane(2));
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

describe('withFurtherWitness', () => {
  // A pan of 2 px a frame; frames[k + 3] is the frame k from the centre.
  const shot = () => [-3, -2, -1, 0, 1, 2, 3].map((k) => picture(30 + 2 * k, 20, 60 + k));

  it("adds the frame past the window at a shot's last frame whose two earlier frames are one film frame", () => {
    const f = shot();
    // The shot ends at the centre; the two frames before it are one film frame scanned twice.
    f[1] = f[2]!.slice();
    const al = alignWindow([f[1]!, f[2]!, f[3]!, null, null], W, H);
    const more = withFurtherWitness(al, [f[0]!, null], 2);
    expect(more.neighbours.map((n) => n.offset)).toEqual([-1, -2, -3]);
    // Aligned like the others: three frames back the picture sat 6 px further right.
    expect(more.neighbours[2]!.shift[0]).toBeCloseTo(6, 0);
    // At the shot's first frame the same, the other way; the centre's own twin counts for nothing.
    const g = shot();
    g[4] = g[3]!.slice();
    expect(withFurtherWitness(alignWindow([null, null, g[3]!, g[4]!, g[5]!], W, H), [null, g[6]!], 2).neighbours.map((n) => n.offset)).toEqual([2, 3]);
  });

  it('leaves a window alone that holds two film frames to compare with, or neighbours on both sides', () => {
    const f = shot();
    const end = alignWindow([f[1]!, f[2]!, f[3]!, null, null], W, H);
    expect(withFurtherWitness(end, [f[0]!, null], 2)).toBe(end);
    f[2] = f[3]!.slice();
    // The centre's twin before it is left out; the frames on both sides make pairs.
    const both = alignWindow(f.slice(1, 6), W, H);
    expect(withFurtherWitness(both, [f[0]!, f[6]!], 2)).toBe(both);
    // The frame past the window is the twins' film frame a third time: nothing to add.
    const g = shot();
    g[1] = g[2]!.slice();
    g[0] = g[2]!.slice();
    const thrice = alignWindow([g[1]!, g[2]!, g[3]!, null, null], W, H);
    expect(withFurtherWitness(thrice, [g[0]!, null], 2)).toBe(thrice);
  });
});

describe('readAlignedTile, exactly', () => {
  /** The tile as first written: one camera vector lookup and one rounding per pixel. */
  function reference(al: ReturnType<typeof alignWindow>, half: number, x0: number, y0: number, tw: number, th: number): Float32Array {
    const out = new Float32Array((2 * half + 1) * tw * th);
    const bySlot = new Map(al.neighbours.map((n) => [n.offset, n]));
    const v = new Float64Array(2);
    for (let k = -half; k <= half; k++) {
      const n = k === 0 ? null : (bySlot.get(k) ?? bySlot.get(-k) ?? null);
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const gx = x0 + x;
          const gy = y0 + y;
          const at = (k + half) * tw * th + y * tw + x;
          if (!n) {
            out[at] = al.centre[gy * W + gx]!;
            continue;
          }
          cameraVector(n, Math.floor(gx / n.scale) * n.scale, gy, v);
          const sx = Math.round(gx + v[0]!);
          const sy = Math.round(gy + v[1]!);
          out[at] = sx >= 0 && sx < W && sy >= 0 && sy < H ? n.luma[sy * W + sx]! + n.offsetLuma : al.centre[gy * W + gx]!;
        }
      }
    }
    return out;
  }

  it('reads the same values as one lookup per pixel, at the frame edges too', () => {
    // A fast pan: aligned sources leave the frame along two edges.
    const frames = [-2, -1, 0, 1, 2].map((k) => picture(40 + 3 * k, 30 - 2 * k, 60 + k));
    const al = alignWindow(frames, W, H);
    expect(al.neighbours.length).toBe(4);
    for (const [x0, y0, tw, th] of [[0, 0, W, H], [3, 5, 37, 21], [W - 30, H - 17, 30, 17]] as const) {
      const got = new Float32Array(5 * tw * th + 7);
      readAlignedTile(al, 2, x0, y0, tw, th, got, 7);
      expect(got.subarray(7)).toEqual(reference(al, 2, x0, y0, tw, th));
    }
  });

  it('aligns the same from motion planes made beforehand', () => {
    const frames = [-2, -1, 0, 1, 2].map((k) => picture(30 + 3 * k, 20 + k, 10 + k));
    const small = frames.map((f) => shrink(f, W, H));
    const a = alignWindow(frames, W, H);
    const b = alignWindow(frames, W, H, { small });
    expect(b.neighbours.map((n) => [n.offset, n.offsetLuma, n.noise, Array.from(n.sampler.field.vx)])).toEqual(
      a.neighbours.map((n) => [n.offset, n.offsetLuma, n.noise, Array.from(n.sampler.field.vx)]),
    );
  });
});

describe('shrink', () => {
  it('halves to at most 640 px wide, the first halving given or not, as shrunkSize says', () => {
    const w = 1400;
    const h = 80;
    const luma = Float32Array.from({ length: w * h }, (_, i) => Math.sin(i * 0.37));
    const s = shrink(luma, w, h);
    expect([s.w, s.h, s.scale]).toEqual([350, 20, 4]);
    expect(shrunkSize(w, h)).toEqual({ w: 350, h: 20, scale: 4 });
    expect(shrink(luma, w, h, downscale2(luma, w, h).data).luma).toEqual(s.luma);
  });
});

describe('median', () => {
  const sortedMedian = (v: number[]) => {
    const a = Float64Array.from(v).sort();
    const m = a.length >> 1;
    return a.length & 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  };

  it('is the sorted middle, for odd and even lengths, ties, runs and sorted input', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let n = 1; n <= 60; n++) {
      for (const kind of ['random', 'ties', 'sorted', 'reversed', 'constant']) {
        const v = Array.from({ length: n }, (_, i) =>
          kind === 'random' ? rand() - 0.5 : kind === 'ties' ? Math.floor(rand() * 4) / 4 : kind === 'sorted' ? i : kind === 'reversed' ? -i : 0.25,
        );
        expect(median(Float64Array.from(v))).toBe(sortedMedian(v));
      }
    }
  });

  it('sorts an array holding NaN, as before, and gives NaN for an empty one', () => {
    expect(median(Float64Array.from([3, NaN, 1, 2]))).toBe(sortedMedian([3, NaN, 1, 2]));
    expect(median(new Float64Array(0))).toBeNaN();
  });
});
