import { describe, expect, it } from 'vitest';
import { HARD_VARIANTS, makeBenchmarkSet, makeFilmSequence } from './make-sequence.js';
import { maskErrors } from './mask-errors.testkit.js';

describe('HARD_VARIANTS', () => {
  it('uses every new feature, on damaged and on clean sequences', () => {
    const has = (pred: (v: (typeof HARD_VARIANTS)[number]) => boolean): number => HARD_VARIANTS.filter(pred).length;
    expect(has((v) => (v.actors ?? 0) > 0 && v.damage !== false)).toBeGreaterThan(0);
    expect(has((v) => (v.detail ?? 0) > 0 && v.damage !== false)).toBeGreaterThan(0);
    expect(has((v) => !!v.border && v.damage !== false)).toBeGreaterThan(0);
    expect(has((v) => (v.repeats ?? 0) > 0 && v.damage !== false)).toBeGreaterThan(0);
    expect(has((v) => v.grainKind === 'coarse')).toBeGreaterThan(0);
    expect(has((v) => v.grainKind === 'scanner')).toBeGreaterThan(0);
    expect(has((v) => v.motion === 'fast-pan')).toBeGreaterThan(0);
    expect(has((v) => v.motion === 'rotate')).toBeGreaterThan(0);
    // Clean sequences with independent motion (actors include swaying lines), damage-like detail and borders.
    expect(has((v) => v.damage === false && (v.actors ?? 0) >= 2 && (v.detail ?? 0) > 0 && !!v.border)).toBeGreaterThanOrEqual(2);
    expect(new Set(HARD_VARIANTS.map((v) => `${v.channels}/${v.bits}`)).size).toBe(4);
  });

  it('makes a deterministic set with exact masks, named by feature, with the features in meta', async () => {
    const opts = { count: 8, width: 96, height: 72, frames: 5, seed: 3, overlaysPerClass: 4, variants: HARD_VARIANTS };
    const names: string[] = [];
    for await (const s of makeBenchmarkSet(opts)) {
      const i = names.length;
      const v = HARD_VARIANTS[i]!;
      names.push(s.name);
      expect(s.clean).toHaveLength(5);
      expect(s.layout.bits).toBe(v.bits);
      expect(s.layout.channels).toBe(v.channels);
      expect(s.clean[0]).toBeInstanceOf(v.bits === 16 ? Uint16Array : Uint8Array);
      const e = maskErrors(s);
      expect({ ...e, marked: undefined }).toEqual({ invisibleMarked: 0, unmarkedChanged: 0, classMissing: 0, classStray: 0, badMaskValue: 0, marked: undefined });
      if (v.damage === false) {
        expect(s.name).toMatch(/-clean$/);
        expect(e.marked).toBe(0);
      } else {
        expect(e.marked).toBeGreaterThan(0);
      }
      if (v.actors) {
        expect(s.meta.actors).toBe(v.actors);
        expect(s.name).toContain('-actors');
      }
      if (v.detail) expect(s.meta.detail).toBe(v.detail);
      if (v.border) expect((s.meta.border as { edges: string[] }).edges.length).toBeGreaterThan(0);
      if (v.repeats) expect((s.meta.repeats as number[]).length).toBeGreaterThan(0);
      if (v.grainKind) expect(s.meta.grainKind).toBe(v.grainKind);
      expect(s.meta.motion).toBe(v.motion);
    }
    expect(new Set(names).size).toBe(8);
    let i = 0;
    // Sets of 2-3 make their last sequence clean; from 4 on the variants are followed as listed.
    for await (const s of makeBenchmarkSet({ ...opts, count: 4 })) expect(s.name).toBe(names[i++]);
  });

  it('keeps masks exact where damage meets actors, borders and repeats, at 16 bits and in colour', async () => {
    const s = await makeFilmSequence({
      width: 160,
      height: 120,
      frames: 6,
      channels: 3,
      bits: 16,
      seed: 44,
      motion: 'rotate',
      actors: 3,
      detail: 0.9,
      border: true,
      repeats: 0.2,
      grainKind: 'coarse',
      damage: { density: 4, scratches: 2 },
      overlaysPerClass: 6,
    });
    const e = maskErrors(s);
    expect(e.marked).toBeGreaterThan(100);
    expect({ ...e, marked: 0 }).toEqual({ invisibleMarked: 0, unmarkedChanged: 0, classMissing: 0, classStray: 0, badMaskValue: 0, marked: 0 });
  });

  it('rejects options out of range', async () => {
    const o = { width: 64, height: 48, frames: 2, channels: 1 as const, bits: 8 as const, seed: 1 };
    await expect(makeFilmSequence({ ...o, actors: -1 })).rejects.toThrow(/actors/);
    await expect(makeFilmSequence({ ...o, detail: 1.5 })).rejects.toThrow(/detail/);
    await expect(makeFilmSequence({ ...o, repeats: 1 })).rejects.toThrow(/repeats/);
    await expect(makeFilmSequence({ ...o, motion: 'dolly' as never })).rejects.toThrow(/motion/);
  });
});
