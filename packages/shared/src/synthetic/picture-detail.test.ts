import { describe, expect, it } from 'vitest';
import { makeFilmSequence, type FilmSequenceOptions } from './make-sequence.js';
import { paintPlateDetail } from './picture-detail.js';
import { proceduralPlate } from './plates.js';
import { drawPrecipitation, planPrecipitation } from './precipitation.js';

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Float32Array, b: Float32Array): boolean => bytes(a).equals(bytes(b));
function range(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
  }
  return [lo, hi];
}

describe('paintPlateDetail', () => {
  const plate = proceduralPlate({ width: 200, height: 150, channels: 3, seed: 2 });
  const frame = { width: 160, height: 120 };

  it('paints a copy, deterministically, more with a larger amount', () => {
    const before = plate.data.slice();
    const a = paintPlateDetail(plate, 0.7, 5, frame);
    const b = paintPlateDetail(plate, 0.7, 5, frame);
    expect(same(plate.data, before)).toBe(true);
    expect(same(a.plate.data, b.plate.data)).toBe(true);
    const changed = (d: Float32Array): number => d.reduce((n, v, i) => n + (Math.abs(v - plate.data[i]!) > 0.02 ? 1 : 0), 0);
    expect(same(paintPlateDetail(plate, 0, 5, frame).plate.data, plate.data)).toBe(true);
    const some = changed(paintPlateDetail(plate, 0.2, 5, frame).plate.data);
    const lots = changed(a.plate.data);
    expect(lots).toBeGreaterThan(some);
    expect(lots / plate.data.length).toBeGreaterThan(0.01);
    // Detail, not a new picture: most of the plate is untouched.
    expect(lots / plate.data.length).toBeLessThan(0.3);
    expect(a.counts.lines + a.counts.patches + a.counts.signs + a.counts.edges).toBeGreaterThan(5);
  });

  it('keeps values in range', () => {
    const { plate: p } = paintPlateDetail(plate, 1, 9, frame);
    const [lo, hi] = range(p.data);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });
});

describe('detail in a sequence', () => {
  const W = 192;
  const H = 144;
  const base: FilmSequenceOptions = { width: W, height: H, frames: 6, channels: 1, bits: 16, seed: 12, grain: 0, flicker: 0, damage: false };

  it('moves with the camera, because it is in the plate', async () => {
    const o = { ...base, motion: 'fast-pan' as const };
    const plain = await makeFilmSequence(o);
    const detailed = await makeFilmSequence({ ...o, detail: 0.4 });
    expect(detailed.meta.precipitation).toBe(false);
    const poses = plain.meta.poses as { x: number; y: number }[];
    // The detail alone: what painting it changed in each frame.
    const layer = (f: number): Float32Array => Float32Array.from(detailed.clean[f]!, (v, p) => (v - plain.clean[f]![p]!) / 65535);
    const f0 = layer(0);
    const f5 = layer(5);
    const sad = (dx: number, dy: number): number => {
      let s = 0;
      for (let y = 12; y < H - 12; y++) for (let x = 12; x < W - 12; x++) s += Math.abs(f5[y * W + x]! - f0[(y + dy) * W + (x + dx)]!);
      return s;
    };
    // Frame content moves opposite to the camera: frame 5 at x shows what frame 0 showed at x + (pose5 - pose0).
    const ex = Math.round(poses[5]!.x - poses[0]!.x);
    const ey = Math.round(poses[5]!.y - poses[0]!.y);
    expect(Math.hypot(ex, ey)).toBeGreaterThan(4);
    let best = [0, 0];
    let bestSad = Infinity;
    for (let dy = -10; dy <= 10; dy++) {
      for (let dx = -10; dx <= 10; dx++) {
        const s = sad(dx, dy);
        if (s < bestSad) {
          bestSad = s;
          best = [dx, dy];
        }
      }
    }
    expect(Math.abs(best[0]! - ex)).toBeLessThanOrEqual(1);
    expect(Math.abs(best[1]! - ey)).toBeLessThanOrEqual(1);
    expect(bestSad).toBeLessThan(0.3 * sad(0, 0));
  });

  it('adds rain or snow that moves on its own when the amount is high', async () => {
    const o = { ...base, motion: 'static' as const };
    const low = await makeFilmSequence({ ...o, detail: 0.4 });
    const high = await makeFilmSequence({ ...o, detail: 0.9 });
    expect(['rain', 'snow']).toContain(high.meta.precipitation);
    const equal = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
    // Static camera, no grain or flicker: without particles the frames are identical, with them they are not.
    expect(equal(low.clean[1]!, low.clean[0]!)).toBe(true);
    expect(equal(high.clean[1]!, high.clean[0]!)).toBe(false);
  });
});

describe('precipitation', () => {
  it('falls several pixels per frame and is absent at low amounts', () => {
    expect(planPrecipitation(320, 240, 0.3, 1)).toBeNull();
    for (let seed = 1; seed <= 6; seed++) {
      const plan = planPrecipitation(1024, 768, 0.9, seed)!;
      const vy = plan.particles.map((p) => p.vy).sort((a, b) => a - b);
      expect(vy[Math.floor(vy.length / 2)]!).toBeGreaterThan(plan.kind === 'rain' ? 8 : 1);
      const frame = new Float32Array(1024 * 768).fill(0.3);
      drawPrecipitation(plan, frame, 1, 0);
      // Bright, not dark: drops and flakes catch the light.
      const [lo, hi] = range(frame);
      expect(hi).toBeGreaterThan(0.35);
      expect(lo).toBeGreaterThanOrEqual(0.3 - 1e-6);
    }
  });
});
