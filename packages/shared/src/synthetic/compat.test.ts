import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchSequence } from './film-sequence.js';
import { makeBenchmarkSet, makeFilmSequence, DEFAULT_VARIANTS, type FilmSequenceOptions } from './make-sequence.js';

/**
 * Hashes of sequences made by the generator before the optional picture content (actors, detail, borders,
 * repeats, grain kinds, fast-pan and rotate) existed, computed with that code. Without the new options a
 * sequence must stay byte-identical, meta included, so old training and benchmark data can be remade.
 * Procedural damage only (the overlay folder is hidden), so the hashes do not depend on the machine.
 */
const BEFORE: Record<string, string> = {
  'g8-pan-dmg': '5f5e8f2864eedc34',
  'rgb16-zoom-dmg': '5433251e3292dbd8',
  'g16-weave-clean-regrain': '24881889e8a8a92f',
  'rgb8-static-dmg': 'd637ae99081f4047',
  'set-0-s01-grey8-pan': '1ff74b80dd7f0513',
  'set-1-s02-rgb16-zoom': '47cd75a8a49b9357',
  'set-2-s03-grey16-weave': '4dbad39376467709',
  'set-3-s04-rgb8-pan-clean': '4e77eac61ed30a83',
  'set-4-s05-rgb8-static': '5cd81d82a31db7c3',
  'set-5-s06-grey16-pan': 'bdb27d31e565b707',
};

function hashSeq(s: BenchSequence): string {
  const h = createHash('sha256');
  for (const arrs of [s.clean, s.damaged, s.masks, s.classes, s.regrained ?? []]) for (const a of arrs) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  h.update(JSON.stringify(s.meta));
  return h.digest('hex').slice(0, 16);
}

const BASE = { width: 96, height: 72, frames: 4, overlaysPerClass: 4 } as const;
const CASES: [string, Partial<FilmSequenceOptions>][] = [
  ['g8-pan-dmg', { channels: 1, bits: 8, seed: 7, motion: 'pan' }],
  ['rgb16-zoom-dmg', { channels: 3, bits: 16, seed: 8, motion: 'zoom', damage: { density: 2, scratches: 2.5 } }],
  ['g16-weave-clean-regrain', { channels: 1, bits: 16, seed: 9, motion: 'weave', damage: false, regrain: true }],
  ['rgb8-static-dmg', { channels: 3, bits: 8, seed: 10, motion: 'static', grain: 0.03, flicker: 0.03 }],
];

describe('without the new options', () => {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.FILM_AA_OVERLAYS;
    process.env.FILM_AA_OVERLAYS = '/nonexistent-overlays-for-compat-test';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.FILM_AA_OVERLAYS;
    else process.env.FILM_AA_OVERLAYS = saved;
  });

  it('makes byte-identical sequences to the generator before them', async () => {
    for (const [name, o] of CASES) {
      const s = await makeFilmSequence({ ...BASE, channels: 1, bits: 8, seed: 1, ...o } as FilmSequenceOptions);
      expect(`${name}:${hashSeq(s)}`).toBe(`${name}:${BEFORE[name]}`);
    }
  });

  it('makes the same default benchmark set, names and all', async () => {
    let i = 0;
    for await (const s of makeBenchmarkSet({ count: 6, width: 80, height: 60, frames: 3, seed: 5, overlaysPerClass: 4 })) {
      const key = `set-${i++}-${s.name}`;
      expect(`${key}:${hashSeq(s)}`).toBe(`${key}:${BEFORE[key]}`);
    }
    expect(i).toBe(6);
  });

  it('keeps DEFAULT_VARIANTS as they were', () => {
    expect(DEFAULT_VARIANTS).toEqual([
      { channels: 1, bits: 8, motion: 'pan' },
      { channels: 3, bits: 16, motion: 'zoom' },
      { channels: 1, bits: 16, motion: 'weave' },
      { channels: 3, bits: 8, motion: 'pan', damage: false },
      { channels: 3, bits: 8, motion: 'static' },
      { channels: 1, bits: 16, motion: 'pan', damage: { density: 2, scratches: 2.5 } },
    ]);
  });

  it('treats explicit neutral values like absent ones', async () => {
    const o = { ...BASE, channels: 1, bits: 8, seed: 7, motion: 'pan' } as const;
    const a = await makeFilmSequence(o);
    const b = await makeFilmSequence({ ...o, actors: 0, detail: 0, border: false, repeats: 0 });
    expect(hashSeq(b)).toBe(hashSeq(a));
  });
});
