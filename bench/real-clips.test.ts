import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { changedMap, findClipDirs, lookAtRealClip, pickChangedPlaces, pickFrames } from './real-clips.js';
import { cropPlane } from './render-images.js';
import { htmlReport } from './report-html.js';
import type { BenchReport } from './bench-report.js';

const W = 200;
const H = 120;

function blob(m: Uint8Array, x0: number, y0: number, size: number): Uint8Array {
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) m[y * W + x] = 1;
  return m;
}

describe('changedMap', () => {
  it('marks a pixel when any channel differs', () => {
    const a = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const b = new Uint8Array([1, 2, 3, 4, 9, 6]);
    expect([...changedMap(a, b, { width: 2, height: 1, channels: 3, bits: 8 })]).toEqual([0, 1]);
  });
});

describe('pickFrames', () => {
  it('takes the busiest frames more than 4 apart, in frame order', () => {
    expect(pickFrames([0, 9, 8, 7, 0, 0, 5, 0, 0, 0, 0, 6], 3)).toEqual([1, 6, 11]);
    // Fewer when the clip is too short to keep them apart.
    expect(pickFrames([0, 9, 8, 7, 0, 0, 0, 5, 0, 0, 6], 3)).toEqual([1, 10]);
  });
});

describe('pickChangedPlaces', () => {
  it('finds the busiest places, one per grid cell, crops inside the frame and centred on the change', () => {
    const f0 = blob(new Uint8Array(W * H), 10, 10, 20); // 400 px in cell 0
    const f1 = blob(blob(new Uint8Array(W * H), 12, 12, 10), 150, 60, 15); // 100 px in cell 0 again, 225 px in cell 3
    const places = pickChangedPlaces([f0, f1], W, H, 6, 96);
    expect(places.map((p) => [p.t, p.changed_pixels])).toEqual([
      [0, 400],
      [1, 225],
    ]);
    for (const p of places) {
      expect(p.rect.width).toBe(96);
      expect(p.rect.x + p.rect.width).toBeLessThanOrEqual(W);
      expect(p.rect.y + p.rect.height).toBeLessThanOrEqual(H);
    }
    // The second blob's centre (157, 67): centred vertically, clamped to the right edge.
    expect(places[1]!.rect).toEqual({ x: 104, y: 19, width: 96, height: 96 });
  });
});

describe('cropPlane', () => {
  it('copies the rectangle pixel for pixel', () => {
    const src = Uint8Array.from({ length: 6 * 4 }, (_, i) => i);
    expect([...cropPlane(src, 6, { x: 2, y: 1, width: 3, height: 2 })]).toEqual([8, 9, 10, 14, 15, 16]);
  });
});

describe('findClipDirs', () => {
  it('returns every folder holding frames, in name order, and the folder itself when it holds frames', async () => {
    const root = await mkdtemp(join(tmpdir(), 'real-clips-'));
    try {
      for (const d of ['b_clip', 'a_clip', 'empty', 'nested/c_clip']) await mkdir(join(root, d), { recursive: true });
      for (const f of ['b_clip/001.png', 'a_clip/001.tif', 'nested/c_clip/001.PNG', 'empty/notes.txt']) await writeFile(join(root, f), '');
      expect(await findClipDirs(root)).toEqual(['a_clip', 'b_clip', 'nested/c_clip'].map((d) => join(root, d)));
      expect(await findClipDirs(join(root, 'a_clip'))).toEqual([join(root, 'a_clip')]);
      expect(await findClipDirs(join(root, 'missing'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLIP = resolve(ROOT, '../shared/data/real-clips/within_our_gates');
const HAVE_CLIP = existsSync(CLIP);

// The clip is not committed (see its README): without it this is skipped, and the title says why.
describe.skipIf(!HAVE_CLIP)(`lookAtRealClip on ${CLIP} (skipped when that folder is absent)`, () => {
  it('runs the default pipeline and renders 1:1 crops', async () => {
    const r = await lookAtRealClip(CLIP, { maxFrames: 6 });
    expect(r.frames).toBe(6);
    expect(r.changed_share).toHaveLength(6);
    expect(r.pixels_changed_share).toBeGreaterThan(0);
    expect(r.pixels_changed_share).toBeLessThanOrEqual(r.changed_share_max);
    expect(r.changed_outside_mask_share).toBe(0);
    expect(r.spikes_after).toBeLessThan(r.spikes_before);
    expect(r.pictures.crops.length).toBeGreaterThan(0);
    // Crops are the input's own pixels at their place, not resampled.
    const c = r.pictures.crops[0]!;
    const png = Buffer.from(c.before.split(',')[1]!, 'base64');
    // sharp hands a grey PNG back as sRGB: the first channel is the grey value.
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([c.width, c.height]);
    const src = await sharp(join(CLIP, c.frame)).greyscale().extractChannel(0).extract({ left: c.x, top: c.y, width: c.width, height: c.height }).raw().toBuffer();
    expect(Buffer.compare(data, src)).toBe(0);

    const { pictures, ...summary } = r;
    const report: BenchReport = {
      meta: {
        date: '',
        machine: { cpu: '', cores: 1, memory_gb: 1, platform: '' },
        node: '',
        git_commit: null,
        mode: 'quick',
        seed: 1,
        wall_seconds: 0,
        conventions: {},
      },
      splits: [],
      unseen_draws: [],
      gapped: null,
      speed: {},
      memory: {},
      real_clips: [summary],
      api_throughput: null,
    };
    const html = await htmlReport({ report, overlays: [], realPictures: [pictures] });
    expect(html).toContain(`${c.frame} x=${c.x} y=${c.y}`);
    expect(html).toContain(`width="${c.width * 2}"`);
  }, 120_000);
});
