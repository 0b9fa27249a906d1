import { describe, expect, it } from 'vitest';
import { gaussianBlurUnitNoise } from './grain-kinds.js';
import { makeFilmSequence, type FilmSequenceOptions } from './make-sequence.js';
import { fillNormal } from './random.js';

const W = 160;
const H = 120;
const plate = { width: 200, height: 150, channels: 1 as const, data: new Float32Array(200 * 150).fill(0.45), source: 'flat' };
const base: FilmSequenceOptions = { width: W, height: H, frames: 3, channels: 1, bits: 16, seed: 7, plate, motion: 'static', grain: 0.02, flicker: 0, damage: false };

/**
 * Statistics of the difference of two frames (grain alone on a flat plate, times sqrt 2): its std,
 * its correlation at horizontal lags 1 and 3, and the std of its row means (row noise).
 */
async function grainStats(o: Partial<FilmSequenceOptions>): Promise<{ std: number; rho1: number; rho3: number; rowStd: number }> {
  const s = await makeFilmSequence({ ...base, ...o });
  const a = s.clean[0]!;
  const b = s.clean[1]!;
  const d = (p: number): number => (a[p]! - b[p]!) / 65535;
  let sd = 0;
  let c1 = 0;
  let c3 = 0;
  let n = 0;
  const rows: number[] = [];
  for (let y = 8; y < H - 8; y++) {
    let row = 0;
    for (let x = 8; x < W - 8; x++) {
      const p = y * W + x;
      sd += d(p) ** 2;
      c1 += d(p) * d(p + 1);
      c3 += d(p) * d(p + 3);
      row += d(p);
      n++;
    }
    rows.push(row / (W - 16));
  }
  const rowMean = rows.reduce((x, y) => x + y, 0) / rows.length;
  return {
    std: Math.sqrt(sd / n / 2),
    rho1: c1 / sd,
    rho3: c3 / sd,
    rowStd: Math.sqrt(rows.reduce((x, r) => x + (r - rowMean) ** 2, 0) / rows.length / 2),
  };
}

describe('grain kinds', () => {
  it('blurs noise widely and keeps its unit std', () => {
    const f = new Float32Array(256 * 256);
    fillNormal(f, 3);
    const g = gaussianBlurUnitNoise(f, 256, 256, 1.5);
    let s = 0;
    for (const v of g) s += v * v;
    expect(Math.sqrt(s / g.length)).toBeGreaterThan(0.9);
    expect(Math.sqrt(s / g.length)).toBeLessThan(1.1);
  });

  it("makes 'coarse' grain clumpier than 'film' grain at the same level", async () => {
    const film = await grainStats({});
    const coarse = await grainStats({ grainKind: 'coarse' });
    expect(coarse.rho1).toBeGreaterThan(film.rho1 + 0.1);
    expect(coarse.rho3).toBeGreaterThan(0.3);
    expect(film.rho3).toBeLessThan(0.1);
    expect(coarse.std).toBeGreaterThan(0.8 * 0.02);
    expect(coarse.std).toBeLessThan(1.2 * 0.02);
  });

  it("adds per-pixel and per-row noise for 'scanner'", async () => {
    const film = await grainStats({});
    const scanner = await grainStats({ grainKind: 'scanner' });
    // Extra white noise: higher std, less correlated neighbours; row offsets: rows differ in mean.
    expect(scanner.std).toBeGreaterThan(1.05 * film.std);
    expect(scanner.rho1).toBeLessThan(film.rho1);
    expect(scanner.rowStd).toBeGreaterThan(1.5 * film.rowStd);
  });

  it("records the kind in meta, and 'film' is the default grain", async () => {
    const s = await makeFilmSequence({ ...base, grainKind: 'coarse' });
    expect(s.meta.grainKind).toBe('coarse');
    expect(s.meta.grainBlur as number).toBeGreaterThanOrEqual(1.2);
    expect(s.meta.grainBlur as number).toBeLessThanOrEqual(1.8);
    const a = await makeFilmSequence({ ...base });
    const b = await makeFilmSequence({ ...base, grainKind: 'film' });
    expect(b.clean.every((f, i) => Buffer.from(f.buffer).equals(Buffer.from(a.clean[i]!.buffer)))).toBe(true);
    await expect(makeFilmSequence({ ...base, grainKind: 'sand' as never })).rejects.toThrow(/grainKind/);
  });
});
