import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@reelrestore/shared/config';
import type { Frame } from '@reelrestore/shared/frames/types';
import { defaultSegmentModelPath, unetSettings } from '@reelrestore/shared/restore/unet-segment';
import { makeSyntheticClip } from '@reelrestore/shared/synthetic/synthetic-clip';
import { ComputePool } from '@reelrestore/shared/workers/compute-pool';
import { framesToDecode, lumaBuffers, segmentFrames, type Detector } from './segment-frames.js';

describe('framesToDecode', () => {
  const unet: Detector = { kind: 'unet', modelPath: '', settings: unetSettings(loadConfig({}), 640) };
  const spike: Detector = { kind: 'spike', threshold: 0.1, dilate: 1 };
  const shot = { start: 100, end: 200 };

  it('reads the window’s half each side of the wanted frames, inside the shot', () => {
    expect(framesToDecode(unet, shot, { start: 130, end: 160 })).toEqual({ start: 128, end: 162 });
    expect(framesToDecode(spike, shot, { start: 130, end: 160 })).toEqual({ start: 129, end: 161 });
    expect(framesToDecode(unet, shot, { start: 101, end: 199 })).toEqual({ start: 100, end: 200 });
  });

  it('reads one frame more past the window of a shot’s first or last frame (the gate’s further witness)', () => {
    expect(framesToDecode(unet, shot, { start: 100, end: 130 })).toEqual({ start: 100, end: 133 });
    expect(framesToDecode(unet, shot, { start: 170, end: 200 })).toEqual({ start: 167, end: 200 });
    expect(framesToDecode(spike, shot, { start: 100, end: 130 })).toEqual({ start: 100, end: 131 });
  });
});

describe('segmentFrames', () => {
  const pool = new ComputePool(2);
  afterAll(() => pool.close());

  const clip = makeSyntheticClip({ width: 160, height: 120, frames: 12, channels: 3, bits: 16, seed: 7, grainSigma: 0.01, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const detector: Detector = { kind: 'unet', modelPath: defaultSegmentModelPath(), settings: unetSettings(loadConfig({}), clip.layout.width) };
  const shot = { start: 0, end: 12 };
  const wanted = { start: 3, end: 10 };

  /** The masks of the wanted frames, by frame; the frames copied afresh (the loop hands their buffers over). */
  async function masks(buffers?: ReturnType<typeof lumaBuffers>): Promise<Map<number, Uint8Array>> {
    const span = framesToDecode(detector, shot, wanted);
    async function* decoded(): AsyncGenerator<Frame> {
      for (let i = span.start; i < span.end; i++) yield { index: i, data: clip.damaged[i]!.slice() };
    }
    const out = new Map<number, Uint8Array>();
    await segmentFrames(pool, decoded(), { layout: clip.layout, detector, shot, wanted, ...(buffers ? { lumaBuffers: buffers } : {}) }, async (f) => {
      expect(out.has(f.index)).toBe(false);
      out.set(f.index, f.mask);
    });
    return out;
  }

  it('segments each wanted frame once, and finds the planted damage', async () => {
    const got = await masks();
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    let found = 0;
    let planted = 0;
    for (const [i, mask] of got) {
      const truth = clip.masks[i]!;
      for (let p = 0; p < truth.length; p++) {
        if (!truth[p]) continue;
        planted++;
        if (mask[p]) found++;
      }
    }
    expect(planted).toBeGreaterThan(0);
    expect(found / planted).toBeGreaterThan(0.5);
  });

  it('makes the same masks when lumas are written over buffers earlier frames and chunks used', async () => {
    const fresh = await masks();
    const buffers = lumaBuffers(pool);
    const first = await masks(buffers);
    // Every buffer came back once nothing read it (at least a window's worth were in use at once)...
    const made = buffers.allocated;
    expect(made).toBeGreaterThanOrEqual(5);
    expect(buffers.held).toBe(made);
    // ...and the next chunk took them instead of new ones for most of its 11 frames.
    const second = await masks(buffers);
    expect(buffers.allocated - made).toBeLessThanOrEqual(11 - 5);
    expect(buffers.held).toBe(buffers.allocated);
    for (const [i, m] of fresh) {
      expect(Buffer.from(first.get(i)!).equals(Buffer.from(m))).toBe(true);
      expect(Buffer.from(second.get(i)!).equals(Buffer.from(m))).toBe(true);
    }
  });
});
