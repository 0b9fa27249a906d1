import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FILM_STOCKS, planFilmLook, renderFilmFrame } from './film-look.js';
import { loadCleanImages, proceduralPlate, readCleanImage } from './plates.js';

describe('clean plates', () => {
  it('lists usable images sorted, skipping small ones and non-images, and decodes a 1.25x plate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clean-'));
    try {
      const photo = (w: number, h: number) =>
        sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
      await writeFile(join(dir, 'b.png'), await photo(640, 520));
      await writeFile(join(dir, 'a.png'), await photo(700, 600));
      await writeFile(join(dir, 'tiny.png'), await photo(64, 64));
      await writeFile(join(dir, 'notes.txt'), 'not an image');
      await writeFile(join(dir, 'broken.jpg'), 'not a jpeg');
      const list = await loadCleanImages(dir, { minSide: 512 });
      expect(list.map((p) => p.split('/').pop())).toEqual(['a.png', 'b.png']);
      expect(await loadCleanImages(dir, { minSide: 512, max: 1 })).toHaveLength(1);
      expect(await loadCleanImages(join(dir, 'missing'))).toEqual([]);

      const grey = await readCleanImage(list[0]!, { width: 160, height: 120, channels: 1, bits: 16 });
      expect([grey.width, grey.height, grey.channels]).toEqual([200, 150, 1]);
      expect(grey.data.length).toBe(200 * 150);
      const rgb = await readCleanImage(list[1]!, { width: 160, height: 120, channels: 3, bits: 8 });
      expect(rgb.data.length).toBe(200 * 150 * 3);
      expect(rgb.data[0]).toBeCloseTo(200 / 255, 2);
      expect(rgb.data[2]).toBeCloseTo(40 / 255, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the same procedural plate for a seed, with values in [0,1] and real contrast', () => {
    const a = proceduralPlate({ width: 120, height: 80, channels: 3, seed: 4 });
    const b = proceduralPlate({ width: 120, height: 80, channels: 3, seed: 4 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(a.width).toBe(150);
    let min = 1;
    let max = 0;
    for (const v of a.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(0.3);
  });

  it('moves the camera inside the plate for every motion kind', () => {
    const plate = proceduralPlate({ width: 128, height: 96, channels: 1, seed: 2 });
    for (const motion of ['static', 'pan', 'zoom', 'weave'] as const) {
      const look = planFilmLook(plate, { width: 128, height: 96, channels: 1, frames: 24, seed: 3, motion, grain: 0.02, flicker: 0.01, stock: FILM_STOCKS[0]! });
      for (const p of look.poses) {
        expect(p.x - (128 * p.scale) / 2, motion).toBeGreaterThanOrEqual(0);
        expect(p.x + (128 * p.scale) / 2, motion).toBeLessThanOrEqual(plate.width);
        expect(p.y - (96 * p.scale) / 2, motion).toBeGreaterThanOrEqual(0);
        expect(p.y + (96 * p.scale) / 2, motion).toBeLessThanOrEqual(plate.height);
      }
      const moved = look.poses.some((p) => p.x !== look.poses[0]!.x || p.scale !== look.poses[0]!.scale);
      expect(moved, motion).toBe(motion !== 'static');
      expect(renderFilmFrame(plate, look, 5).length).toBe(128 * 96);
    }
  });
});
