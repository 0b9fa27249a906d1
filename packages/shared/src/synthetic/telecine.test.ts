import { describe, expect, it } from 'vitest';
import type { Samples } from '../frames/types.js';
import { makeFilmSequence } from './make-sequence.js';
import { planRepeats } from './telecine.js';

function same(a: Samples | Uint8Array, b: Samples | Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('planRepeats', () => {
  it('never repeats the first frame or twice in a row, and keeps the film going after a repeat', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { filmFrames, repeats } = planRepeats(20, 0.4, seed);
      expect(filmFrames[0]).toBe(0);
      expect(repeats).not.toContain(0);
      for (let f = 1; f < 20; f++) {
        const step = filmFrames[f]! - filmFrames[f - 1]!;
        expect(step === 0 || step === 1).toBe(true);
        expect(step === 0).toBe(repeats.includes(f));
        if (f > 1 && step === 0) expect(filmFrames[f - 1]! - filmFrames[f - 2]!).toBe(1);
      }
    }
    expect(planRepeats(8, 0, 1)).toEqual({ filmFrames: [0, 1, 2, 3, 4, 5, 6, 7], repeats: [] });
    // Asked for, a short sequence gets at least one.
    for (let seed = 1; seed <= 10; seed++) expect(planRepeats(4, 0.01, seed).repeats.length).toBeGreaterThan(0);
  });
});

describe('repeated frames in a sequence', () => {
  it('are identical to their predecessor in clean, damaged, masks, classes and the regrained twin', async () => {
    for (const [channels, bits] of [[1, 8], [3, 16]] as const) {
      const s = await makeFilmSequence({
        width: 128,
        height: 96,
        frames: 10,
        channels,
        bits,
        seed: 17,
        repeats: 0.3,
        regrain: true,
        actors: 2,
        border: true,
        damage: { density: 3, scratches: 2 },
        overlaysPerClass: 6,
      });
      const repeats = s.meta.repeats as number[];
      expect(repeats.length).toBeGreaterThan(0);
      for (let f = 1; f < 10; f++) {
        const rep = repeats.includes(f);
        expect(same(s.clean[f]!, s.clean[f - 1]!)).toBe(rep);
        expect(same(s.damaged[f]!, s.damaged[f - 1]!)).toBe(rep);
        if (rep) {
          expect(same(s.masks[f]!, s.masks[f - 1]!)).toBe(true);
          expect(same(s.classes[f]!, s.classes[f - 1]!)).toBe(true);
          expect(same(s.regrained![f]!, s.regrained![f - 1]!)).toBe(true);
          // A copy, not the same array: writing one frame must not change another.
          expect(s.clean[f]).not.toBe(s.clean[f - 1]);
        }
      }
      // The repeat shows the same damage: the masks are not empty.
      expect(repeats.some((f) => s.masks[f]!.some((v) => v === 255))).toBe(true);
      const meta = s.meta as { filmFrames: number[]; poses: unknown[]; damagedShare: number[]; damage: { countsPerFrame: unknown[] } };
      expect(meta.filmFrames).toHaveLength(10);
      expect(meta.poses).toHaveLength(10);
      expect(meta.damagedShare).toHaveLength(10);
      expect(meta.damage.countsPerFrame).toHaveLength(10);
    }
  });
});
