import { maskErrors } from './mask-errors.testkit.js';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Samples } from '../frames/types.js';
import { DAMAGE_CLASSES, type BenchSequence } from './film-sequence.js';
import { makeBenchmarkSet, makeFilmSequence, type FilmSequenceOptions } from './make-sequence.js';
import { writeBenchmarkSet } from './write-benchset.js';

const SMALL = { width: 128, height: 96, frames: 6, overlaysPerClass: 6 } as const;

function seq(o: Partial<FilmSequenceOptions> = {}): Promise<BenchSequence> {
  return makeFilmSequence({ ...SMALL, channels: 1, bits: 8, seed: 7, ...o });
}

function same(a: Samples | Uint8Array, b: Samples | Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const SCRATCH = DAMAGE_CLASSES.indexOf('scratch');
const DUST = DAMAGE_CLASSES.indexOf('dust');
const DIRT = DAMAGE_CLASSES.indexOf('dirt');

describe('makeFilmSequence', () => {
  it('is byte-identical for a seed and differs for another seed', async () => {
    const a = await seq({ channels: 3, bits: 16, motion: 'zoom' });
    const b = await seq({ channels: 3, bits: 16, motion: 'zoom' });
    const c = await seq({ channels: 3, bits: 16, motion: 'zoom', seed: 8 });
    for (let f = 0; f < SMALL.frames; f++) {
      expect(same(a.clean[f]!, b.clean[f]!)).toBe(true);
      expect(same(a.damaged[f]!, b.damaged[f]!)).toBe(true);
      expect(same(a.masks[f]!, b.masks[f]!)).toBe(true);
      expect(same(a.classes[f]!, b.classes[f]!)).toBe(true);
      expect(same(a.clean[f]!, c.clean[f]!)).toBe(false);
    }
    expect(a.masks.some((m, f) => !same(m, c.masks[f]!))).toBe(true);
    expect(JSON.stringify(a.meta)).toBe(JSON.stringify(b.meta));
  });

  it('marks exactly the visibly changed pixels, with a class on each and none elsewhere', async () => {
    for (const [channels, bits] of [[1, 8], [3, 16]] as const) {
      const s = await seq({ channels, bits, damage: { density: 3, scratches: 2 }, seed: 11 });
      const { marked, ...wrong } = maskErrors(s);
      expect(wrong).toEqual({ invisibleMarked: 0, unmarkedChanged: 0, classMissing: 0, classStray: 0, badMaskValue: 0 });
      expect(marked).toBeGreaterThan(0);
    }
  });

  it('puts dust and dirt on one frame only, while line scratches stay for 3+ frames at nearly the same x', async () => {
    const s = await seq({ frames: 8, motion: 'static', grain: 0.01, damage: { density: 2, scratches: 3, classes: ['dust', 'dirt', 'scratch'] } });
    const W = SMALL.width;
    // Static camera: the same pixel shows the same picture point, so persistence would show as repeats.
    let speckPixels = 0;
    let repeated = 0;
    for (let f = 1; f < s.classes.length; f++) {
      const prev = s.classes[f - 1]!;
      const cur = s.classes[f]!;
      for (let p = 0; p < cur.length; p++) {
        if (cur[p] !== DUST && cur[p] !== DIRT) continue;
        speckPixels++;
        if (prev[p] === DUST || prev[p] === DIRT) repeated++;
      }
    }
    expect(speckPixels).toBeGreaterThan(20);
    expect(repeated / speckPixels).toBeLessThan(0.1);

    const scratches = (s.meta.damage as { scratches: { x: number; start: number; end: number }[] }).scratches;
    expect(scratches.length).toBe(3);
    for (const sc of scratches) {
      expect(sc.end - sc.start + 1).toBeGreaterThanOrEqual(3);
      const xs: number[] = [];
      for (let f = sc.start; f <= sc.end; f++) {
        // Mean x of scratch pixels within a few pixels of the planned line (wander and drift included).
        const cls = s.classes[f]!;
        let n = 0;
        let sum = 0;
        for (let p = 0; p < cls.length; p++) {
          const x = p % W;
          if (cls[p] === SCRATCH && Math.abs(x - sc.x) < 6) {
            n++;
            sum += x;
          }
        }
        if (n > 0) xs.push(sum / n);
      }
      expect(xs.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(4);
    }
  });

  it('has fresh, mid-tone grain of the asked level on every frame', async () => {
    const W = SMALL.width;
    const H = SMALL.height;
    const grain = 0.02;
    // A flat mid-grey plate: what is left after removing the frame's mean is grain alone.
    const plate = { width: 160, height: 120, channels: 1 as const, data: new Float32Array(160 * 120).fill(0.45), source: 'flat' };
    const s = await seq({ plate, motion: 'static', grain, flicker: 0, damage: false, bits: 16 });
    const a = s.clean[0]!;
    const b = s.clean[1]!;
    expect(same(a, b)).toBe(false);
    let sd = 0;
    let corr = 0;
    let n = 0;
    for (let y = 4; y < H - 4; y++) {
      for (let x = 4; x < W - 5; x++) {
        const p = y * W + x;
        const d = (a[p]! - b[p]!) / 65535;
        const d1 = (a[p + 1]! - b[p + 1]!) / 65535;
        sd += d * d;
        corr += d * d1;
        n++;
      }
    }
    // The difference of two independent grain frames has sqrt(2) times the grain's std.
    const std = Math.sqrt(sd / n / 2);
    expect(std).toBeGreaterThan(0.8 * grain);
    expect(std).toBeLessThan(1.15 * grain);
    // Slightly spatially correlated (blurred white noise), not white and not smeared.
    const rho = corr / sd;
    expect(rho).toBeGreaterThan(0.15);
    expect(rho).toBeLessThan(0.8);
  });

  it('renders, when asked, a twin of the truth that differs in its grain alone', async () => {
    const s = await seq({ regrain: true, bits: 16, motion: 'pan' });
    expect(s.regrained).toHaveLength(SMALL.frames);
    const a = s.clean[2]!;
    const b = s.regrained![2]!;
    expect(same(a, b)).toBe(false);
    let sum = 0;
    let sd = 0;
    for (let p = 0; p < a.length; p++) {
      const d = (a[p]! - b[p]!) / 65535;
      sum += d;
      sd += d * d;
    }
    // Same picture, pose and exposure: the difference is two independent grain draws, centred on zero.
    expect(Math.abs(sum / a.length)).toBeLessThan(0.002);
    expect(Math.sqrt(sd / a.length / 2)).toBeGreaterThan(0.01);
    expect(Math.sqrt(sd / a.length / 2)).toBeLessThan(0.03);
    // Without grain there is nothing to redraw; without asking there is no twin.
    const flat = await seq({ regrain: true, grain: 0 });
    expect(flat.clean.every((f, t) => same(f, flat.regrained![t]!))).toBe(true);
    expect((await seq()).regrained).toBeUndefined();
  });

  it('uses the full 16-bit range, not 8-bit values scaled up', async () => {
    const s = await seq({ bits: 16, damage: { density: 3 } });
    const values = new Set<number>();
    let min = 65535;
    let max = 0;
    let off257 = 0;
    for (const f of s.damaged) {
      for (let i = 0; i < f.length; i++) {
        const v = f[i]!;
        values.add(v);
        if (v < min) min = v;
        if (v > max) max = v;
        if (v % 257 !== 0) off257++;
      }
    }
    expect(s.damaged[0]).toBeInstanceOf(Uint16Array);
    expect(values.size).toBeGreaterThan(4096);
    expect(off257).toBeGreaterThan(0.9 * s.damaged.length * s.damaged[0]!.length);
    expect(max - min).toBeGreaterThan(40000);
  });

  it('falls back to a procedural plate and procedural damage without any files', async () => {
    const s = await seq({ overlaysDir: undefined, damage: { density: 2 }, seed: 3 });
    expect(String(s.meta.source)).toMatch(/^procedural:/);
    await expect(seq({ overlaysDir: '/nonexistent/overlays' })).rejects.toThrow(/no film-damage overlays/);
    const only = await makeFilmSequence({ ...SMALL, channels: 1, bits: 8, seed: 3, damage: { density: 2, scratches: 0 }, overlaysDir: undefined });
    expect(only.masks.some((m) => m.some((v) => v === 255))).toBe(true);
  });
});

describe('makeBenchmarkSet', () => {
  it('mixes layouts and motions, includes an undamaged sequence, and is deterministic', async () => {
    const opts = { count: 6, width: 96, height: 64, frames: 3, seed: 5, overlaysPerClass: 4 };
    const first: BenchSequence[] = [];
    for await (const s of makeBenchmarkSet(opts)) first.push(s);
    const names = first.map((s) => s.name);
    expect(new Set(names).size).toBe(6);
    expect(new Set(first.map((s) => `${s.layout.channels}/${s.layout.bits}`)).size).toBeGreaterThanOrEqual(3);
    const clean = first.filter((s) => s.meta.damage === false);
    expect(clean.length).toBeGreaterThanOrEqual(1);
    for (const s of clean) {
      expect(s.name).toMatch(/clean$/);
      for (let f = 0; f < s.masks.length; f++) {
        expect(s.masks[f]!.every((v) => v === 0)).toBe(true);
        expect(same(s.damaged[f]!, s.clean[f]!)).toBe(true);
      }
    }
    let i = 0;
    for await (const s of makeBenchmarkSet(opts)) {
      expect(s.name).toBe(names[i]);
      expect(same(s.damaged[2]!, first[i]!.damaged[2]!)).toBe(true);
      i++;
    }
  });

  it('keeps one clean sequence in a small set', async () => {
    const got: BenchSequence[] = [];
    for await (const s of makeBenchmarkSet({ count: 2, width: 64, height: 48, frames: 2, seed: 1, overlaysPerClass: 4 })) got.push(s);
    expect(got.filter((s) => s.meta.damage === false).length).toBe(1);
  });
});

describe('writeBenchmarkSet', () => {
  it('writes frames at their depth, 8-bit masks and classes, and meta.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'benchset-'));
    try {
      const s16 = await seq({ name: 'grey16', bits: 16, frames: 2, damage: { density: 3 } });
      const s8 = await seq({ name: 'rgb8', channels: 3, frames: 2 });
      const written = await writeBenchmarkSet(dir, [s16, s8]);
      expect(written.map((w) => w.name)).toEqual(['grey16', 'rgb8']);
      expect((await readdir(join(dir, 'grey16'))).sort()).toEqual(['classes', 'clean', 'damaged', 'mask', 'meta.json']);
      const file = join(dir, 'grey16', 'damaged', 'frame_0002.png');
      const meta = await sharp(file).metadata();
      expect(meta.depth).toBe('ushort');
      expect(meta.channels).toBe(1);
      const { data } = await sharp(file).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const back = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
      expect(same(back, s16.damaged[1]!)).toBe(true);
      const maskMeta = await sharp(join(dir, 'grey16', 'mask', 'frame_0001.png')).metadata();
      expect([maskMeta.depth, maskMeta.channels]).toEqual(['uchar', 1]);
      const rgb = await sharp(join(dir, 'rgb8', 'clean', 'frame_0001.png')).metadata();
      expect([rgb.depth, rgb.channels]).toEqual(['uchar', 3]);
      const json = JSON.parse(await readFile(join(dir, 'grey16', 'meta.json'), 'utf8')) as { frames: number; layout: { bits: number } };
      expect(json.frames).toBe(2);
      expect(json.layout.bits).toBe(16);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
