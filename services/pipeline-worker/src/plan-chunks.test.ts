import { describe, expect, it } from 'vitest';
import { planChunks } from './plan-chunks.js';

describe('planChunks', () => {
  const shots = [
    { index: 0, start: 0, end: 70 },
    { index: 1, start: 70, end: 75 },
  ];
  /** Frames of a 2K scan: a chunk of 32 fits in the default 256 megapixels. */
  const SMALL = { chunkFrames: 32, contextFrames: 2, frameMegapixels: (2048 * 1556) / 1e6, maxChunkMegapixels: 256 };

  it('covers every frame exactly once, in order', () => {
    const chunks = planChunks(shots, SMALL);
    const covered = chunks.flatMap((c) => Array.from({ length: c.end - c.start }, (_, i) => c.start + i));
    expect(covered).toEqual(Array.from({ length: 75 }, (_, i) => i));
  });

  it('never lets context cross a cut', () => {
    for (const c of planChunks(shots, SMALL)) {
      const shot = shots[c.shot]!;
      expect(c.contextStart).toBeGreaterThanOrEqual(shot.start);
      expect(c.contextEnd).toBeLessThanOrEqual(shot.end);
    }
  });

  it('gives inner chunks context on both sides and numbers chunks per shot', () => {
    const chunks = planChunks(shots, SMALL);
    expect(chunks.map((c) => [c.shot, c.chunk, c.start, c.end, c.contextStart, c.contextEnd])).toEqual([
      [0, 0, 0, 32, 0, 34],
      [0, 1, 32, 64, 30, 66],
      [0, 2, 64, 70, 62, 70],
      [1, 0, 70, 75, 70, 75],
    ]);
  });

  it('holds fewer frames per chunk where frames are large, so no chunk holds more than its megapixels', () => {
    const frameMegapixels = (4096 * 3112) / 1e6;
    const chunks = planChunks(shots, { ...SMALL, frameMegapixels });
    expect(chunks.map((c) => [c.shot, c.start, c.end])).toEqual([
      [0, 0, 20],
      [0, 20, 40],
      [0, 40, 60],
      [0, 60, 70],
      [1, 70, 75],
    ]);
    for (const c of chunks) expect((c.end - c.start) * frameMegapixels).toBeLessThanOrEqual(256);
  });
});
